/* creds.c - the AWS credentials provider chain (see sw/creds.h).
 *
 * Order and rules follow botocore's credentials.py: environment, shared
 * credentials file, container endpoint (ECS/Fargate), then EC2 IMDSv2. The
 * first source that is configured decides: a configured but failing
 * container endpoint is an error, not a reason to fall through, so a job
 * never silently runs as the instance role. IMDS, being last and guessed
 * rather than configured, falls through to "no credentials" when absent.
 *
 * Secrets live only in sw_creds (malloc'ed, wiped before free) and briefly
 * in response buffers that are wiped too. Error reasons are static strings
 * and never contain a value read from a source. */
#include "sw/creds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cJSON.h>

#include "sw/imds.h"
#include "sw/rfc3339.h"

#define ECS_DEFAULT_HOST "http://169.254.170.2"
#define ENDPOINT_TIMEOUT_MS 2000L
#define MAX_CREDS_BODY ((size_t)64 * 1024)
#define MAX_TOKEN_FILE ((size_t)16 * 1024)

struct sw_creds_provider {
    char *ecs_host;      /* owned; NULL: $SW_ECS_HOST or the default */
    char *imds_endpoint; /* owned; NULL: env or the default */
    long imds_timeout_ms;
    long refresh_margin_s;
    sw_http_client *http; /* short timeouts, created on first use */
    sw_creds cur;
    int have;
};

/* creds_wipe: zeroes and frees the strings of c and empties it. */
static void creds_wipe(sw_creds *c)
{
    char *fields[] = {c->access_key_id, c->secret_access_key,
                      c->session_token};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        if (fields[i]) {
            sw_secure_zero(fields[i], strlen(fields[i]));
            free(fields[i]);
        }
    }
    memset(c, 0, sizeof *c);
}

/* creds_set: fills c with copies of the three values (token may be empty).
 * Returns SW_OK or SW_E_NOMEM (c then wiped). */
static sw_result creds_set(sw_creds *c, sw_cursor id, sw_cursor secret,
                           sw_cursor token, time_t exp, const char *source)
{
    memset(c, 0, sizeof *c);
    c->access_key_id = sw_strdup_cursor(id);
    c->secret_access_key = sw_strdup_cursor(secret);
    if (token.len)
        c->session_token = sw_strdup_cursor(token);
    if (!c->access_key_id || !c->secret_access_key ||
        (token.len && !c->session_token)) {
        creds_wipe(c);
        return SW_E_NOMEM;
    }
    c->expiration = exp;
    c->source = source;
    return SW_OK;
}

/* sw_creds_provider_new: copies the options; resolves nothing. Returns
 * SW_OK or SW_E_NOMEM. */
sw_result sw_creds_provider_new(const sw_creds_options *opt,
                                sw_creds_provider **out)
{
    sw_creds_provider *p = calloc(1, sizeof *p);
    if (!p)
        return SW_E_NOMEM;
    p->imds_timeout_ms = 1000;
    p->refresh_margin_s = 300;
    if (opt) {
        if (opt->ecs_host && !(p->ecs_host = strdup(opt->ecs_host)))
            goto nomem;
        if (opt->imds_endpoint &&
            !(p->imds_endpoint = strdup(opt->imds_endpoint)))
            goto nomem;
        if (opt->imds_timeout_ms > 0)
            p->imds_timeout_ms = opt->imds_timeout_ms;
        if (opt->refresh_margin_s > 0)
            p->refresh_margin_s = opt->refresh_margin_s;
    }
    *out = p;
    return SW_OK;
nomem:
    sw_creds_provider_free(p);
    return SW_E_NOMEM;
}

/* sw_creds_provider_free: wipes the cache, frees everything. */
void sw_creds_provider_free(sw_creds_provider *p)
{
    if (!p)
        return;
    creds_wipe(&p->cur);
    sw_http_client_free(p->http);
    free(p->ecs_host);
    free(p->imds_endpoint);
    free(p);
}

/* sw_creds_invalidate: forgets the cached credentials. */
void sw_creds_invalidate(sw_creds_provider *p)
{
    creds_wipe(&p->cur);
    p->have = 0;
}

/* env_nonempty: getenv that treats "" as unset. */
static const char *env_nonempty(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

/* ---- 1. environment ---------------------------------------------------- */

/* from_env: AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ token). Returns
 * SW_OK, 1 when not configured, SW_E_CREDS for a half-set pair. */
static int from_env(sw_creds *out, const char **why)
{
    const char *id = env_nonempty("AWS_ACCESS_KEY_ID");
    const char *secret = env_nonempty("AWS_SECRET_ACCESS_KEY");
    if (!id && !secret)
        return 1;
    if (!id || !secret) {
        *why = id ? "AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"
                  : "AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not";
        return SW_E_CREDS;
    }
    return creds_set(out, sw_cursor_from_cstr(id), sw_cursor_from_cstr(secret),
                     sw_cursor_from_cstr(env_nonempty("AWS_SESSION_TOKEN")), 0,
                     "env");
}

/* ---- 2. shared credentials file ---------------------------------------- */

/* read_file: reads a whole small file into out (wiped by the caller).
 * Returns SW_OK, SW_E_IO (missing/unreadable), SW_E_OVERFLOW, SW_E_NOMEM. */
static sw_result read_file(const char *path, size_t limit, sw_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return SW_E_IO;
    sw_result rc = SW_OK;
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (out->len + n > limit) {
            rc = SW_E_OVERFLOW;
            break;
        }
        if ((rc = sw_buf_append(out, chunk, n)))
            break;
    }
    if (!rc && ferror(f))
        rc = SW_E_IO;
    sw_secure_zero(chunk, sizeof chunk);
    fclose(f);
    return rc;
}

/* next_line: splits the next line (without CR/LF) off *rest. */
static int next_line(sw_cursor *rest, sw_cursor *line)
{
    if (rest->len == 0)
        return 0;
    const char *nl = memchr(rest->ptr, '\n', rest->len);
    size_t n = nl ? (size_t)(nl - rest->ptr) : rest->len;
    *line = sw_cursor_from_mem(rest->ptr, n);
    if (line->len && line->ptr[line->len - 1] == '\r')
        line->len--;
    rest->ptr += nl ? n + 1 : n;
    rest->len -= nl ? n + 1 : n;
    return 1;
}

typedef struct ini_profile {
    int found;
    sw_cursor id, secret, token; /* views into the file text */
} ini_profile;

/* ini_find_profile: scans INI text for [profile] and its three keys. Lines
 * starting with # or ; are comments; keys and values are trimmed; later
 * keys override earlier ones, as configparser does. */
static void ini_find_profile(sw_cursor text, const char *profile,
                             ini_profile *out)
{
    memset(out, 0, sizeof *out);
    sw_cursor line;
    int in_section = 0;
    while (next_line(&text, &line)) {
        line = sw_cursor_trim(line);
        if (line.len == 0 || line.ptr[0] == '#' || line.ptr[0] == ';')
            continue;
        if (line.ptr[0] == '[') {
            in_section = 0;
            if (line.ptr[line.len - 1] != ']')
                continue;
            sw_cursor name = sw_cursor_trim(
                sw_cursor_from_mem(line.ptr + 1, line.len - 2));
            if (sw_cursor_eq_cstr(name, profile)) {
                in_section = 1;
                out->found = 1;
            }
            continue;
        }
        if (!in_section)
            continue;
        const char *eq = memchr(line.ptr, '=', line.len);
        if (!eq)
            continue;
        sw_cursor key = sw_cursor_trim(
            sw_cursor_from_mem(line.ptr, (size_t)(eq - line.ptr)));
        sw_cursor val = sw_cursor_trim(sw_cursor_from_mem(
            eq + 1, line.len - (size_t)(eq - line.ptr) - 1));
        if (sw_cursor_eq_cstr(key, "aws_access_key_id"))
            out->id = val;
        else if (sw_cursor_eq_cstr(key, "aws_secret_access_key"))
            out->secret = val;
        else if (sw_cursor_eq_cstr(key, "aws_session_token"))
            out->token = val;
    }
}

/* from_file: the profile's keys from the shared credentials file. Returns
 * SW_OK, 1 when there is no file or no such profile, SW_E_CREDS when the
 * profile lacks a key, SW_E_IO/SW_E_NOMEM. */
static int from_file(sw_creds *out, const char **why)
{
    sw_buf path = SW_BUF_INIT;
    const char *file = env_nonempty("AWS_SHARED_CREDENTIALS_FILE");
    if (!file) {
        const char *home = env_nonempty("HOME");
        if (!home)
            return 1;
        if (sw_buf_appendf(&path, "%s/.aws/credentials", home))
            return SW_E_NOMEM;
        file = path.ptr;
    }
    const char *profile = env_nonempty("AWS_PROFILE");
    if (!profile)
        profile = "default";
    sw_buf text = SW_BUF_INIT;
    sw_result rc = read_file(file, 1024 * 1024, &text);
    sw_buf_free(&path);
    if (rc == SW_E_IO) {
        sw_buf_wipe_free(&text);
        return 1; /* no file: not configured */
    }
    int ret = rc;
    if (!rc) {
        ini_profile prof;
        ini_find_profile(sw_cursor_from_buf(&text), profile, &prof);
        if (!prof.found) {
            ret = 1;
        } else if (!prof.id.len || !prof.secret.len) {
            *why = !prof.id.len ? "shared credentials file: the profile has "
                                  "no aws_access_key_id"
                                : "shared credentials file: the profile has "
                                  "no aws_secret_access_key";
            ret = SW_E_CREDS;
        } else {
            ret = creds_set(out, prof.id, prof.secret, prof.token, 0,
                            "profile");
        }
    } else {
        *why = "shared credentials file could not be read";
    }
    sw_buf_wipe_free(&text);
    return ret;
}

/* ---- endpoint helpers (container and IMDS) ----------------------------- */

/* get_http: the provider's HTTP client, created on first use. */
static sw_result get_http(sw_creds_provider *p, sw_http_client **out)
{
    if (!p->http) {
        sw_http_options o = {0};
        o.connect_timeout_ms = 1000;
        o.timeout_ms = ENDPOINT_TIMEOUT_MS;
        o.max_body = MAX_CREDS_BODY;
        sw_result rc = sw_http_client_new(&o, &p->http);
        if (rc)
            return rc;
    }
    *out = p->http;
    return SW_OK;
}

/* wipe_json: zeroes every string in a cJSON tree before it is deleted,
 * since cJSON_Delete frees without clearing. */
static void wipe_json(cJSON *j)
{
    for (; j; j = j->next) {
        if (j->valuestring)
            sw_secure_zero(j->valuestring, strlen(j->valuestring));
        wipe_json(j->child);
    }
}

/* json_str: the string member `name`, or NULL. */
static const char *json_str(const cJSON *obj, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* parse_creds_json: {AccessKeyId, SecretAccessKey, Token, Expiration} (the
 * container endpoint's and IMDS's shape) into out. Returns SW_OK,
 * SW_E_PARSE (why set) or SW_E_NOMEM. */
static sw_result parse_creds_json(sw_cursor body, const char *source,
                                  sw_creds *out, const char **why)
{
    cJSON *j = cJSON_ParseWithLength(body.ptr, body.len);
    if (!j) {
        *why = "credentials endpoint answered something that is not JSON";
        return SW_E_PARSE;
    }
    sw_result rc = SW_OK;
    const char *id = json_str(j, "AccessKeyId");
    const char *secret = json_str(j, "SecretAccessKey");
    const char *token = json_str(j, "Token");
    const char *exp_s = json_str(j, "Expiration");
    const char *code = json_str(j, "Code");
    time_t exp = 0;
    if (code && strcmp(code, "Success") != 0) {
        *why = "credentials endpoint answered a Code other than Success";
        rc = SW_E_CREDS;
    } else if (!id || !*id || !secret || !*secret) {
        *why = "credentials endpoint answer lacks AccessKeyId or "
               "SecretAccessKey";
        rc = SW_E_PARSE;
    } else if (exp_s &&
               sw_rfc3339_parse(sw_cursor_from_cstr(exp_s), &exp, NULL)) {
        *why = "credentials endpoint answer has a malformed Expiration";
        rc = SW_E_PARSE;
    } else {
        rc = creds_set(out, sw_cursor_from_cstr(id),
                       sw_cursor_from_cstr(secret), sw_cursor_from_cstr(token),
                       exp, source);
    }
    wipe_json(j);
    cJSON_Delete(j);
    return rc;
}

/* endpoint_status: SW_OK for 200, SW_E_CREDS (why set) for anything else. */
static sw_result endpoint_status(long status, const char **why,
                                 const char *msg)
{
    if (status == 200)
        return SW_OK;
    *why = msg;
    return SW_E_CREDS;
}

/* ---- 3. container endpoint (ECS / Fargate / EKS pod identity) ---------- */

/* full_uri_host_allowed: the SDKs' rule for AWS_CONTAINER_CREDENTIALS_
 * FULL_URI: https anywhere; http only to loopback or the ECS/EKS link-local
 * addresses, so a misconfiguration cannot send the token elsewhere. */
static int full_uri_host_allowed(const char *uri)
{
    if (strncmp(uri, "https://", 8) == 0)
        return 1;
    if (strncmp(uri, "http://", 7) != 0)
        return 0;
    const char *h = uri + 7;
    const char *end;
    char host[64];
    if (*h == '[') {
        end = strchr(h, ']');
        if (!end)
            return 0;
        h++;
    } else {
        end = h + strcspn(h, ":/?#");
    }
    size_t n = (size_t)(end - h);
    if (n == 0 || n >= sizeof host || memchr(h, '@', n))
        return 0;
    memcpy(host, h, n);
    host[n] = '\0';
    if (strcmp(host, "::1") == 0 || strcmp(host, "169.254.170.2") == 0 ||
        strcmp(host, "169.254.170.23") == 0 ||
        strcmp(host, "fd00:ec2::23") == 0)
        return 1;
    unsigned a, b, c, d;
    char extra;
    return sscanf(host, "%u.%u.%u.%u%c", &a, &b, &c, &d, &extra) == 4 &&
           a == 127 && b < 256 && c < 256 && d < 256;
}

/* container_token: the Authorization value from _TOKEN_FILE (re-read on
 * every fetch: EKS rotates it) or _TOKEN, into tok (may stay empty).
 * Returns SW_OK, SW_E_CREDS (why set) or SW_E_NOMEM. */
static sw_result container_token(sw_buf *tok, const char **why)
{
    const char *file = env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    sw_result rc = SW_OK;
    if (file) {
        rc = read_file(file, MAX_TOKEN_FILE, tok);
        if (rc == SW_E_IO || rc == SW_E_OVERFLOW) {
            *why = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE could not be read";
            return SW_E_CREDS;
        }
    } else {
        rc = sw_buf_append_cstr(
            tok, env_nonempty("AWS_CONTAINER_AUTHORIZATION_TOKEN"));
    }
    if (rc)
        return rc;
    if (tok->len && (memchr(tok->ptr, '\r', tok->len) ||
                     memchr(tok->ptr, '\n', tok->len))) {
        *why = "container authorization token contains CR or LF";
        return SW_E_CREDS;
    }
    return SW_OK;
}

/* creds_answer: what a credentials GET came back with (rc from the
 * transport, the HTTP status, the body) made into credentials: the same
 * rules and reasons for the container endpoint and IMDS. Returns as
 * sw_creds_get. */
static sw_result creds_answer(sw_result rc, long status, sw_cursor body,
                              const char *source, sw_creds *out,
                              const char **why)
{
    if (rc) {
        *why = "credentials endpoint could not be reached";
        return rc;
    }
    rc = endpoint_status(status, why,
                         "credentials endpoint answered an HTTP error");
    if (rc)
        return rc;
    return parse_creds_json(body, source, out, why);
}

/* fetch_json_creds: GET url with optional extra headers, then parse the
 * credentials JSON. The response body is wiped. Returns as sw_creds_get. */
static sw_result fetch_json_creds(sw_creds_provider *p, const char *url,
                                  const sw_http_header *hdr, size_t nhdr,
                                  const char *source, sw_creds *out,
                                  const char **why)
{
    sw_http_client *http;
    sw_result rc = get_http(p, &http);
    if (rc)
        return rc;
    sw_http_request req = {.method = "GET", .url = url, .headers = hdr,
                           .header_count = nhdr};
    sw_http_response resp = {0};
    rc = sw_http_send(http, &req, &resp);
    rc = creds_answer(rc, resp.status, sw_cursor_from_buf(&resp.body), source,
                      out, why);
    sw_buf_wipe_free(&resp.body);
    sw_http_response_free(&resp);
    return rc;
}

/* from_container: the ECS/Fargate container endpoint. Returns SW_OK, 1 when
 * not configured, or an error. */
static int from_container(sw_creds_provider *p, sw_creds *out,
                          const char **why)
{
    const char *rel = env_nonempty("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = env_nonempty("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    if (!rel && !full)
        return 1;
    sw_buf url = SW_BUF_INIT;
    sw_buf tok = SW_BUF_INIT;
    sw_result rc;
    if (rel) {
        const char *host = p->ecs_host ? p->ecs_host : env_nonempty(
                                                           "SW_ECS_HOST");
        rc = sw_buf_appendf(&url, "%s%s%s", host ? host : ECS_DEFAULT_HOST,
                            rel[0] == '/' ? "" : "/", rel);
    } else if (!full_uri_host_allowed(full)) {
        *why = "AWS_CONTAINER_CREDENTIALS_FULL_URI must be https or a "
               "loopback/ECS/EKS address";
        return SW_E_CREDS;
    } else {
        rc = sw_buf_append_cstr(&url, full);
    }
    if (!rc)
        rc = container_token(&tok, why);
    if (!rc) {
        sw_http_header auth = {"Authorization", tok.ptr};
        rc = fetch_json_creds(p, url.ptr, &auth, tok.len ? 1 : 0, "ecs", out,
                              why);
    }
    sw_buf_free(&url);
    sw_buf_wipe_free(&tok);
    return rc;
}

/* ---- 4. EC2 instance metadata (IMDSv2) --------------------------------- */

/* from_imds: token PUT, role name, then the role's credentials, through
 * sw/imds.h. A new IMDS client per resolution, so every resolution starts
 * with the token PUT: that PUT is the reachability probe, and its short
 * timeout (imds_timeout_ms, 1 s by default) is what lets a container
 * behind a hop limit of 1 fail fast instead of hanging. Returns SW_OK,
 * 1 when disabled or unreachable (so the chain ends in SW_E_CREDS), or an
 * error once IMDS has answered. */
static int from_imds(sw_creds_provider *p, sw_creds *out, const char **why)
{
    const char *dis = getenv("AWS_EC2_METADATA_DISABLED");
    if (dis && strcasecmp(dis, "true") == 0)
        return 1;
    /* endpoint NULL: sw_imds reads AWS_EC2_METADATA_SERVICE_ENDPOINT */
    sw_imds_options o = {.endpoint = p->imds_endpoint,
                         .timeout_ms = p->imds_timeout_ms,
                         .connect_timeout_ms = 1000,
                         .token_ttl_s = 21600,
                         .max_body = MAX_CREDS_BODY};
    sw_imds *m = NULL;
    sw_buf body = SW_BUF_INIT, path = SW_BUF_INIT;
    long status = 0;
    sw_result rc = sw_imds_new(&o, &m);
    if (rc == SW_E_CONFIG) {
        *why = "the EC2 instance metadata endpoint is not an http(s):// URL";
        return SW_E_CONFIG;
    }
    if (rc)
        return rc;
    rc = sw_imds_token(m);
    if (rc == SW_E_NETWORK || rc == SW_E_TIMEOUT || rc == SW_E_TLS ||
        rc == SW_E_HTTP) {
        rc = 1; /* no IMDS here */
        goto out;
    }
    if (rc)
        goto out;

    rc = sw_imds_get(m, "/latest/meta-data/iam/security-credentials/", &body,
                     &status);
    if (rc) {
        *why = "EC2 instance metadata stopped answering";
        goto out;
    }
    if (status == 404) {
        *why = "EC2 instance metadata: the instance has no IAM role";
        rc = SW_E_CREDS;
        goto out;
    }
    if ((rc = endpoint_status(status, why,
                              "EC2 instance metadata answered an HTTP "
                              "error for the role name")))
        goto out;
    sw_cursor role = sw_cursor_from_buf(&body);
    const char *nl = role.len ? memchr(role.ptr, '\n', role.len) : NULL;
    if (nl)
        role.len = (size_t)(nl - role.ptr);
    role = sw_cursor_trim(role);
    if (role.len == 0 || memchr(role.ptr, '/', role.len)) {
        *why = "EC2 instance metadata answered a malformed role name";
        rc = SW_E_PARSE;
        goto out;
    }
    if ((rc = sw_buf_appendf(&path, "/latest/meta-data/iam/security-"
                             "credentials/%.*s", (int)role.len, role.ptr)))
        goto out;
    rc = sw_imds_get(m, path.ptr, &body, &status);
    rc = creds_answer(rc, status, sw_cursor_from_buf(&body), "imds", out,
                      why);
out:
    sw_buf_wipe_free(&body);
    sw_buf_free(&path);
    sw_imds_free(m);
    return rc;
}

/* ---- the chain --------------------------------------------------------- */

/* resolve_chain: tries each source in order into out. Returns SW_OK or the
 * first configured source's error; SW_E_CREDS when nothing is configured. */
static sw_result resolve_chain(sw_creds_provider *p, sw_creds *out,
                               const char **why)
{
    int rc = from_env(out, why);
    if (rc == 1)
        rc = from_file(out, why);
    if (rc == 1)
        rc = from_container(p, out, why);
    if (rc == 1)
        rc = from_imds(p, out, why);
    if (rc == 1) {
        *why = "no AWS credentials: none in the environment, the shared "
               "credentials file, a container endpoint or EC2 instance "
               "metadata";
        return SW_E_CREDS;
    }
    return (sw_result)rc;
}

/* sw_creds_get: returns the cached credentials while they are outside the
 * refresh margin, else resolves the chain again. A failed refresh keeps
 * serving credentials that have not actually expired yet. */
sw_result sw_creds_get(sw_creds_provider *p, const sw_creds **out,
                       const char **why)
{
    const char *reason = "credentials could not be resolved";
    time_t now = time(NULL);
    if (p->have && (p->cur.expiration == 0 ||
                    now < p->cur.expiration - p->refresh_margin_s)) {
        *out = &p->cur;
        return SW_OK;
    }
    sw_creds fresh = {0};
    sw_result rc = resolve_chain(p, &fresh, &reason);
    if (rc) {
        creds_wipe(&fresh);
        if (p->have && now < p->cur.expiration) {
            *out = &p->cur;
            return SW_OK;
        }
        if (why)
            *why = reason;
        return rc;
    }
    creds_wipe(&p->cur);
    p->cur = fresh;
    p->have = 1;
    *out = &p->cur;
    return SW_OK;
}
