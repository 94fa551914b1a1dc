/* The ceiling for bench/run.sh: the least a FastCGI responder behind the
 * same lighttpd can do for a join-sized POST. It reads the whole body and
 * answers a fixed JSON object of join-room's size, and nothing else: no
 * parsing, no database, no crypto. Every MRB endpoint is measured as a
 * ratio of this, taken in the same run. */
#include <fcgiapp.h>
#include <string.h>

static const char reply[] =
    "Status: 200 OK\r\nContent-Type: application/json\r\nCache-Control: no-store\r\n\r\n"
    "{\"code\":\"000\",\"data\":{\"roomNm\":\"bench\",\"roomId\":\"AAAAAAAAAAAAAAAAAAAAAA\","
    "\"server\":\"http://127.0.0.1:8188/janus\",\"token\":\"1795620000,janus,janus.plugin.audiobridge:"
    "AAAAAAAAAAAAAAAAAAAAAAAAAAA=\",\"ice\":[{\"urls\":[\"turn:127.0.0.1:3478?transport=udp\"],"
    "\"username\":\"1795620000:bench\",\"credential\":\"AAAAAAAAAAAAAAAAAAAAAAAAAAA=\"}],"
    "\"opaqueId\":\"mrb-AAAAAAAAAAAAAAAAAAAAAA\",\"expiresAt\":\"2026-11-25T16:00:00Z\",\"userId\":\"bench\"}}\n";

int main(void)
{
    FCGX_Request rq;
    char buf[4096];

    if (FCGX_Init() != 0 || FCGX_InitRequest(&rq, 0, 0) != 0)
        return 1;
    while (FCGX_Accept_r(&rq) >= 0) {
        while (FCGX_GetStr(buf, sizeof(buf), rq.in) > 0)
            ;
        FCGX_PutStr(reply, (int)sizeof(reply) - 1, rq.out);
        FCGX_Finish_r(&rq);
    }
    return 0;
}
