#ifndef MRB_MODERATE_H
#define MRB_MODERATE_H

#include <jansson.h>
#include "app.h"
#include "apierror.h"

/* Host moderation (room-kick, room-mute, room-edit, room-record, room-end):
 * each call takes the room creator's bearer token or an admin token (else
 * 401/101 or 403/102), checks the body with its field table (400) and
 * finds the room (404/104). All but room-end refuse an ended or expired
 * room (410/105), then ask the room's own plugin (AudioBridge or
 * VideoRoom) through the Admin API, with the room's secret: a participant
 * id the media server does not know is 404/108, and so is a room it no
 * longer has (but room-edit then changes the row only, from which the room
 * is recreated); a media server that does not answer is 503. room-end is
 * room_end() (room.h). On success *data (owned by the caller) is the
 * reply's data. */

/* POST /mrb/room-kick {"roomId","participantId"}: AudioBridge kick. The
 * participant's seat is freed by the kicked event that follows. */
int moderate_kick(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err);

/* POST /mrb/room-mute {"roomId","participantId","muted"}: mute or unmute. */
int moderate_mute(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err);

/* POST /mrb/room-end {"roomId"}: see room_end() in room.h. */
int moderate_end(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err);

/* POST /mrb/room-edit {"roomId","roomNm"?,"roomKey"?,"ttlSeconds"?,"maxParticipants"?}:
 * AudioBridge edit (new description and pin) when those change, then the
 * room row. When the row cannot be written the media server edit is
 * reverted. ttlSeconds counts from now. */
int moderate_edit(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err);

/* POST /mrb/room-record {"roomId","record"}: AudioBridge enable_recording;
 * the flag is stored so a recreated room records too. */
int moderate_record(struct mrb_app *app, const char *bearer, json_t *body, json_t **data, struct mrb_err *err);

#endif
