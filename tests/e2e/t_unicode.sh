#!/usr/bin/env bash
# SQL metacharacters and Unicode (Korean, emoji, right-to-left marks) in
# string fields are stored and returned verbatim; NUL is refused with 400
# (jansson will not decode \u0000 into a C string), as is invalid UTF-8.
. "$(dirname "$0")/lib.sh"

NAME=$'\'; DROP TABLE rooms; -- 한국어 😀 \u200fשלום\u200e "q" \\ %s %n'
DESC=$'Robert\'); DELETE FROM servers;-- 🎙️ العربية'
USER=$'u\'-- 😀 \u202e\u0646'
body=$(jq -cn --arg n "$NAME" --arg d "$DESC" '{roomNm: $n, description: $d, roomKey: "2580"}')
post create-room "$body" -H "Authorization: Bearer $(host_token)"
eq "create-room with metacharacters and Unicode -> 201" "$STATUS" 201
R=$(jqr .data.roomId)
eq "roomNm returned verbatim" "$(jqr .data.roomNm)" "$NAME"
shown=$("$MRBCTL" room show "$R")
eq "roomNm stored verbatim" "$(printf '%s' "$shown" | jq -r .roomNm)" "$NAME"
eq "description stored verbatim" "$(printf '%s' "$shown" | jq -r .description)" "$DESC"
post join-room "$(jq -cn --arg r "$R" --arg u "$USER" '{roomId: $r, roomKey: "2580", userId: $u, display: "🎧 게스트"}')"
eq "join with such a userId -> 200" "$STATUS" 200
eq "userId returned verbatim" "$(jqr .data.userId)" "$USER"
eq "roomNm in the join reply verbatim" "$(jqr .data.roomNm)" "$NAME"
eq "the seat's user stored verbatim" "$("$MRBCTL" room show "$R" | jq -r '.seats[0].userId')" "$USER"
eq "the tables are all still there" "$(sql "SELECT COUNT(*) FROM servers WHERE id IN ('janus-a','janus-b')")" 2
post join-room "$(jq -cn '{roomId: "x'"'"' OR 1=1 -- ", roomKey: "1"}')"
eq "a roomId made of SQL -> 404, nothing else" "$STATUS/$(jqr .code)" 404/104
post create-room '{"roomNm":"nul\u0000inside"}' -H "Authorization: Bearer $(host_token)"
eq "NUL in a string -> 400" "$STATUS/$(jqr .code)" 400/400
post create-room "$(printf '{"roomNm":"bad \xff\xfe utf8"}')" -H "Authorization: Bearer $(host_token)"
eq "invalid UTF-8 -> 400" "$STATUS/$(jqr .code)" 400/400
post create-room "$(jq -cn --arg n "$(printf '가%.0s' $(seq 1 100))" '{roomNm: $n}')" -H "Authorization: Bearer $(host_token)"
eq "100 Korean characters (300 bytes) is within the 100-character limit -> 201" "$STATUS" 201
post create-room "$(jq -cn --arg n "$(printf '가%.0s' $(seq 1 101))" '{roomNm: $n}')" -H "Authorization: Bearer $(host_token)"
eq "101 of them -> 400 naming roomNm" "$STATUS/$(jqr .message | grep -o roomNm)" 400/roomNm
finish
