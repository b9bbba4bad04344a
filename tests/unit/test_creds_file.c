/* test_creds_file.c - the environment and shared-credentials-file links of
 * the chain, through the public API: a temp INI file with several
 * profiles, comments and odd whitespace; AWS_PROFILE selection; a profile
 * missing a key fails clearly (and without echoing any value); env beats
 * the file; nothing configured is SW_E_CREDS with a one-line reason.
 * Container and IMDS links are disabled here (they need servers: see
 * tests/integration/test_creds.py). */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sw/creds.h"
#include "sw_test.h"

static const char *ini =
    "# shared credentials for tests\n"
    "; another comment style\n"
    "[default]\n"
    "aws_access_key_id = AKIDDEFAULT\n"
    "aws_secret_access_key=secretdefault\n"
    "\n"
    "  [ ci ]  \r\n"
    "\taws_access_key_id\t=\tAKIDCI  \r\n"
    "aws_secret_access_key = secret/ci+with=equals\r\n"
    "aws_session_token = tokenci\r\n"
    "region = us-west-2\r\n"
    "[broken]\n"
    "aws_access_key_id = AKIDBROKEN\n"
    "# aws_secret_access_key = commented-out\n"
    "[nokeyid]\n"
    "aws_secret_access_key = s3cr3tvalue\n"
    "[last]\n"
    "aws_access_key_id = AKIDOLD\n"
    "aws_secret_access_key = old\n"
    "aws_access_key_id = AKIDNEW\n"
    "aws_secret_access_key = new";

/* get: a fresh provider's sw_creds_get; copies what the checks need. */
static sw_result get(char *id, char *secret, char *token, const char **src,
                     const char **why)
{
    sw_creds_provider *p = NULL;
    if (sw_creds_provider_new(NULL, &p))
        return SW_E_NOMEM;
    const sw_creds *c = NULL;
    *why = NULL;
    sw_result rc = sw_creds_get(p, &c, why);
    id[0] = secret[0] = token[0] = '\0';
    *src = "";
    if (rc == SW_OK) {
        snprintf(id, 64, "%s", c->access_key_id);
        snprintf(secret, 64, "%s", c->secret_access_key);
        snprintf(token, 64, "%s", c->session_token ? c->session_token : "");
        *src = c->source;
        if (c->expiration != 0)
            rc = SW_E_INVALID; /* static credentials never expire */
    }
    sw_creds_provider_free(p);
    return rc;
}

int main(void)
{
    char path[] = "/tmp/sw_creds_test_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0 || write(fd, ini, strlen(ini)) != (ssize_t)strlen(ini))
        return 1;
    close(fd);
    const char *clear[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                           "AWS_SESSION_TOKEN", "AWS_PROFILE",
                           "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
                           "AWS_CONTAINER_CREDENTIALS_FULL_URI"};
    for (size_t i = 0; i < sizeof clear / sizeof clear[0]; i++)
        unsetenv(clear[i]);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);

    char id[64], secret[64], token[64];
    const char *src, *why;
    sw_result rc = get(id, secret, token, &src, &why);
    CHECK(rc == SW_OK && !strcmp(id, "AKIDDEFAULT") &&
              !strcmp(secret, "secretdefault") && token[0] == '\0' &&
              !strcmp(src, "profile"),
          "[default] profile, no token");

    setenv("AWS_PROFILE", "ci", 1);
    rc = get(id, secret, token, &src, &why);
    CHECK(rc == SW_OK && !strcmp(id, "AKIDCI"),
          "AWS_PROFILE=ci: spaced section name, tabs, CRLF");
    CHECK_EQ_STR(secret, "secret/ci+with=equals", "value keeps '=' and '/'");
    CHECK_EQ_STR(token, "tokenci", "aws_session_token read");

    setenv("AWS_PROFILE", "last", 1);
    rc = get(id, secret, token, &src, &why);
    CHECK(rc == SW_OK && !strcmp(id, "AKIDNEW") && !strcmp(secret, "new"),
          "later keys override earlier ones; no final newline");

    setenv("AWS_PROFILE", "broken", 1);
    rc = get(id, secret, token, &src, &why);
    CHECK(rc == SW_E_CREDS && why && strstr(why, "aws_secret_access_key"),
          "profile without a secret: SW_E_CREDS naming the missing key");
    CHECK(why && !strstr(why, "AKIDBROKEN") && !strchr(why, '\n'),
          "the reason is one line and echoes no value");

    setenv("AWS_PROFILE", "nokeyid", 1);
    rc = get(id, secret, token, &src, &why);
    CHECK(rc == SW_E_CREDS && why && strstr(why, "aws_access_key_id") &&
              !strstr(why, "s3cr3t"),
          "profile without a key id: SW_E_CREDS, no secret in the reason");

    setenv("AWS_PROFILE", "nosuch", 1);
    rc = get(id, secret, token, &src, &why);
    CHECK(rc == SW_E_CREDS && why && strstr(why, "no AWS credentials") &&
              !strchr(why, '\n'),
          "unknown profile and nothing else: SW_E_CREDS, one line");

    /* Environment beats the file. */
    setenv("AWS_PROFILE", "ci", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIDENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secretenv", 1);
    setenv("AWS_SESSION_TOKEN", "tokenenv", 1);
    rc = get(id, secret, token, &src, &why);
    CHECK(rc == SW_OK && !strcmp(id, "AKIDENV") &&
              !strcmp(token, "tokenenv") && !strcmp(src, "env"),
          "environment wins over the shared file");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    rc = get(id, secret, token, &src, &why);
    CHECK(rc == SW_E_CREDS && why && strstr(why, "AWS_SECRET_ACCESS_KEY") &&
              !strstr(why, "AKIDENV"),
          "half-set environment pair: SW_E_CREDS naming the missing one");
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SESSION_TOKEN");

    /* Missing file: falls through to nothing. */
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
    rc = get(id, secret, token, &src, &why);
    CHECK_EQ_INT(rc, SW_E_CREDS, "no file, nothing else: SW_E_CREDS");

    /* Invalidate + get re-reads the (changed) source. */
    setenv("AWS_SHARED_CREDENTIALS_FILE", path, 1);
    setenv("AWS_PROFILE", "default", 1);
    sw_creds_provider *p = NULL;
    sw_creds_provider_new(NULL, &p);
    const sw_creds *c = NULL;
    rc = sw_creds_get(p, &c, &why);
    CHECK(rc == SW_OK && !strcmp(c->access_key_id, "AKIDDEFAULT"),
          "provider resolves from the file");
    setenv("AWS_PROFILE", "ci", 1);
    rc = sw_creds_get(p, &c, &why);
    CHECK(rc == SW_OK && !strcmp(c->access_key_id, "AKIDDEFAULT"),
          "static credentials are cached");
    sw_creds_invalidate(p);
    rc = sw_creds_get(p, &c, &why);
    CHECK(rc == SW_OK && !strcmp(c->access_key_id, "AKIDCI"),
          "after invalidate the chain is resolved again");
    sw_creds_provider_free(p);
    unlink(path);
    return SW_TEST_DONE();
}
