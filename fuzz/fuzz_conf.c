/* libFuzzer target: the config parser (libinih callback, typed key table,
 * [server NAME] sections, URL lists). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    struct mrb_conf c;
    char errbuf[256];

    if (text == NULL)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    if (conf_load_string(text, "fuzz.conf", &c, errbuf, sizeof(errbuf)) == 0)
        conf_free(&c);
    free(text);
    return 0;
}
