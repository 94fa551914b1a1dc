/* libFuzzer target: bearer tokens through token_jwt_verify() with an HS256
 * configuration (issuer and audience set, as hardened setups do). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "token.h"

static struct mrb_conf conf;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    static const char text[] =
        "[db]\nhost = 127.0.0.1\nuser = u\ndatabase = d\n"
        "[auth]\njwt_alg = HS256\njwt_secret = fuzz-secret-fuzz-secret-fuzz-secret\n"
        "jwt_issuer = https://auth.example\njwt_audience = mrb\n"
        "[webhook]\nuser = j\npassword = p\n[turn]\nsecret = t\n";
    char errbuf[256];
    (void)argc;
    (void)argv;
    if (conf_load_string(text, "fuzz.conf", &conf, errbuf, sizeof(errbuf)) != 0)
        abort();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *jwt = malloc(size + 1);
    struct token_claims claims;
    struct mrb_err err;

    if (jwt == NULL)
        return 0;
    memcpy(jwt, data, size);
    jwt[size] = '\0';
    (void)token_jwt_verify(&conf, jwt, 1795600000, &claims, &err);
    free(jwt);
    return 0;
}
