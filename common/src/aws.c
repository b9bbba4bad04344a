/* aws.c - calling AWS services: region and endpoint resolution, SigV4 per
 * attempt, the standard retry mode, and error parsing (see sw/aws.h).
 *
 * What is retryable follows botocore's retries/standard.py: throttling
 * codes, a few transient codes, HTTP 500/502/503/504 and transport failures.
 * Every other 4xx is final. An expired-token answer drops the cached
 * credentials and gets exactly one extra attempt outside the retry budget,
 * since it is the credentials, not the service, that failed.
 * This module logs nothing: callers decide what to say. */
#include "sw/aws.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cJSON.h>

#include "sw/exit.h"
#include "sw/sigv4.h"

#define USER_AGENT "scratchwork/0.1"

struct sw_aws_client {
    char *signing_name;
    char *region;
    char *endpoint;  /* scheme://host[:port] (no path, no trailing slash) */
    char *base_path; /* endpoint path without trailing slash, may be "" */
    char *host;      /* Host header: host[:port], port only if non-default */
    unsigned sigv4_flags;
    sw_creds_provider *creds; /* borrowed */
    sw_http_client *http;
    sw_sigv4_signer *signer;  /* one per client so its key cache pays off */
    sw_retry_state retry;
};

static const char *const throttling_codes[] = {
    "Throttling", "ThrottlingException", "ThrottledException",
    "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException",
    "TransactionInProgressException", "RequestLimitExceeded",
    "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
    "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException"};

static const char *const transient_codes[] = {
    "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete",
    "InternalError"};

/* in_list: true when code is one of list's n entries. */
static bool in_list(const char *code, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(code, list[i]) == 0)
            return true;
    return false;
}

/* copy_cursor: copies c into a fixed field, truncated and NUL-terminated. */
static void copy_cursor(char *dst, size_t cap, sw_cursor c)
{
    size_t n = c.len < cap - 1 ? c.len : cap - 1;
    if (n)
        memcpy(dst, c.ptr, n);
    dst[n] = '\0';
}

/* ---- error parsing ----------------------------------------------------- */

/* set_code: stores an error code, keeping only what follows a '#'
 * ("com.amazonaws.dynamodb.v20120810#ResourceNotFoundException") and what
 * precedes a ':' ("ValidationException:http://internal..."). */
static void set_code(sw_aws_error *err, const char *code)
{
    const char *hash = strrchr(code, '#');
    if (hash)
        code = hash + 1;
    size_t n = strcspn(code, ":");
    copy_cursor(err->code, sizeof err->code, sw_cursor_from_mem(code, n));
}

/* json_first_str: the first of the named string members that exists. */
static const char *json_first_str(const cJSON *j, const char *const *names,
                                  size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, names[i]);
        if (cJSON_IsString(v) && v->valuestring[0])
            return v->valuestring;
    }
    return NULL;
}

/* parse_json_error: {"__type": ..., "message": ...} and its variants.
 * Returns true when a code was found. */
static bool parse_json_error(sw_cursor body, sw_aws_error *err)
{
    static const char *const code_keys[] = {"__type", "code", "Code"};
    static const char *const msg_keys[] = {"message", "Message",
                                           "errorMessage"};
    cJSON *j = cJSON_ParseWithLength(body.ptr, body.len);
    if (!j)
        return false;
    const char *code = json_first_str(j, code_keys, 3);
    const char *msg = json_first_str(j, msg_keys, 3);
    if (code)
        set_code(err, code);
    if (msg)
        copy_cursor(err->message, sizeof err->message,
                    sw_cursor_from_cstr(msg));
    cJSON_Delete(j);
    return code != NULL;
}

/* xml_unescape: copies c into dst (cap bytes) decoding the five XML
 * entities, truncating safely. Returns true when all of c fitted. */
static bool xml_unescape(char *dst, size_t cap, sw_cursor c)
{
    static const struct {
        const char *ent;
        char ch;
    } ents[] = {{"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'},
                {"&quot;", '"'}, {"&apos;", '\''}};
    size_t o = 0, i = 0;
    while (i < c.len && o + 1 < cap) {
        char ch = c.ptr[i];
        size_t adv = 1;
        if (ch == '&') {
            for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++) {
                size_t el = strlen(ents[k].ent);
                if (c.len - i >= el && memcmp(c.ptr + i, ents[k].ent, el) == 0) {
                    ch = ents[k].ch;
                    adv = el;
                    break;
                }
            }
        }
        dst[o++] = ch;
        i += adv;
    }
    dst[o] = '\0';
    return i >= c.len;
}

/* xml_open_tag: the offset just past the first "<name>" in body at or
 * after `from`, or (size_t)-1 when there is none. */
static size_t xml_open_tag(sw_cursor body, size_t from, const char *name)
{
    char open[40];
    snprintf(open, sizeof open, "<%s>", name);
    size_t ol = strlen(open);
    for (size_t i = from; body.ptr && i + ol <= body.len; i++)
        if (memcmp(body.ptr + i, open, ol) == 0)
            return i + ol;
    return (size_t)-1;
}

/* xml_element_from: the text of the first <name>...</name> in body at or
 * after offset `from`. Returns true when found. AWS query/XML answers are
 * attribute-free around the values we read, so a search is enough; the
 * closing tag must follow without nested elements. */
static bool xml_element_from(sw_cursor body, size_t from, const char *name,
                             sw_cursor *out)
{
    char open[40], close[40];
    snprintf(open, sizeof open, "<%s>", name);
    snprintf(close, sizeof close, "</%s>", name);
    size_t ol = strlen(open), cl = strlen(close);
    if (!body.ptr)
        return false;
    for (size_t i = from; i + ol <= body.len; i++) {
        if (memcmp(body.ptr + i, open, ol) != 0)
            continue;
        size_t start = i + ol;
        for (size_t k = start; k + cl <= body.len; k++) {
            if (body.ptr[k] == '<') {
                if (memcmp(body.ptr + k, close, cl) != 0)
                    return false;
                *out = sw_cursor_from_mem(body.ptr + start, k - start);
                return true;
            }
        }
        return false;
    }
    return false;
}

/* xml_element: xml_element_from the start of body. */
static bool xml_element(sw_cursor body, const char *name, sw_cursor *out)
{
    return xml_element_from(body, 0, name, out);
}

/* parse_xml_error: <Code>, <Message>, <RequestId> wherever they are (query
 * protocol <ErrorResponse><Error>, S3's bare <Error>). Returns true when a
 * code was found. */
static bool parse_xml_error(sw_cursor body, sw_aws_error *err)
{
    sw_cursor v;
    bool found = false;
    if (xml_element(body, "Code", &v) && v.len) {
        char code[sizeof err->code];
        xml_unescape(code, sizeof code, sw_cursor_trim(v));
        set_code(err, code);
        found = true;
    }
    if (xml_element(body, "Message", &v))
        xml_unescape(err->message, sizeof err->message, sw_cursor_trim(v));
    if (xml_element(body, "RequestId", &v) ||
        xml_element(body, "RequestID", &v))
        xml_unescape(err->request_id, sizeof err->request_id,
                     sw_cursor_trim(v));
    return found;
}

/* sw_aws_xml_text: an element's decoded text (see sw/aws.h). */
bool sw_aws_xml_text(sw_cursor body, const char *name, char *dst, size_t cap)
{
    sw_cursor v;
    if (cap)
        dst[0] = '\0';
    if (!cap || strlen(name) > 32 || !xml_element(body, name, &v))
        return false;
    return xml_unescape(dst, cap, v);
}

/* sw_aws_xml_text_in: an element's decoded text after an opening tag (see
 * sw/aws.h). */
bool sw_aws_xml_text_in(sw_cursor body, const char *parent, const char *name,
                        char *dst, size_t cap)
{
    sw_cursor v;
    if (cap)
        dst[0] = '\0';
    if (!cap || strlen(name) > 32 || (parent && strlen(parent) > 32))
        return false;
    size_t from = parent ? xml_open_tag(body, 0, parent) : 0;
    if (from == (size_t)-1 || !xml_element_from(body, from, name, &v))
        return false;
    return xml_unescape(dst, cap, v);
}

/* sw_aws_xml_field: a required element of a 2xx answer into the caller's
 * buffer (see sw/aws.h). */
sw_result sw_aws_xml_field(sw_cursor body, const char *parent,
                           const char *name, char *dst, size_t cap,
                           const char *missing, sw_aws_error *err)
{
    sw_cursor v;
    size_t from = 0;
    if (dst && cap)
        dst[0] = '\0';
    if (strlen(name) > 32 || (parent && strlen(parent) > 32))
        return sw_aws_local_error(err, SW_E_INVALID, "XML name too long");
    if (parent)
        from = xml_open_tag(body, 0, parent);
    if (from == (size_t)-1 || !xml_element_from(body, from, name, &v) ||
        sw_cursor_trim(v).len == 0)
        return sw_aws_local_error(err, SW_E_PARSE, missing);
    if (!dst)
        return SW_OK;
    if (!cap || !xml_unescape(dst, cap, sw_cursor_trim(v)))
        return sw_aws_local_error(err, SW_E_OVERFLOW,
                                  "the answer does not fit the caller's "
                                  "buffer");
    return SW_OK;
}

/* sw_aws_query_add: "&name=" and the form-encoded value (see sw/aws.h).
 * sw_uri_encode gives the AWS URI encoding (RFC 3986 unreserved kept,
 * everything else %XX); a "%20" in its output can only come from a space,
 * since '%' itself becomes "%25", so rewriting "%20" to '+' afterwards is
 * exact. */
sw_result sw_aws_query_add(sw_buf *form, const char *name, sw_cursor value)
{
    sw_result rc = sw_buf_appendf(form, "&%s=", name);
    size_t start = form->len;
    if (!rc)
        rc = sw_uri_encode(form, value, 0);
    if (rc)
        return rc;
    size_t o = start;
    for (size_t i = start; i < form->len; o++) {
        if (form->len - i >= 3 && memcmp(form->ptr + i, "%20", 3) == 0) {
            form->ptr[o] = '+';
            i += 3;
        } else {
            form->ptr[o] = form->ptr[i++];
        }
    }
    form->len = o;
    form->ptr[o] = '\0';
    return SW_OK;
}

/* sw_aws_query_start: appends "Action=<action>&Version=<version>".
 * Returns SW_OK or SW_E_NOMEM. */
sw_result sw_aws_query_start(sw_buf *form, const char *action,
                             const char *version)
{
    sw_result rc = sw_buf_append_cstr(form, "Action=");
    if (!rc)
        rc = sw_uri_encode(form, sw_cursor_from_cstr(action), 0);
    if (!rc)
        rc = sw_aws_query_add(form, "Version", sw_cursor_from_cstr(version));
    return rc;
}

/* first_char: the first non-whitespace byte of c, or 0. */
static char first_char(sw_cursor c)
{
    for (size_t i = 0; i < c.len; i++)
        if (c.ptr[i] != ' ' && c.ptr[i] != '\t' && c.ptr[i] != '\r' &&
            c.ptr[i] != '\n')
            return c.ptr[i];
    return 0;
}

/* classify: sets throttling and retryable from code and status. */
static void classify(long status, sw_aws_error *err)
{
    err->throttling =
        status == 429 ||
        in_list(err->code, throttling_codes,
                sizeof throttling_codes / sizeof throttling_codes[0]);
    err->retryable =
        err->throttling ||
        in_list(err->code, transient_codes,
                sizeof transient_codes / sizeof transient_codes[0]) ||
        status == 500 || status == 502 || status == 503 || status == 504;
}

/* sw_aws_parse_error: fills err from an error answer (see sw/aws.h). */
void sw_aws_parse_error(long http_status, sw_cursor content_type,
                        sw_cursor body, sw_aws_error *err)
{
    int attempts = err->attempts;
    memset(err, 0, sizeof *err);
    err->attempts = attempts;
    err->http_status = http_status;
    char c = first_char(body);
    bool found = false;
    /* The body's first byte decides, not Content-Type: load balancers and
     * emulators do not always label error bodies truthfully. */
    (void)content_type;
    if (c == '{')
        found = parse_json_error(body, err);
    else if (c == '<')
        found = parse_xml_error(body, err);
    if (!found) {
        snprintf(err->code, sizeof err->code, "HTTP %ld", http_status);
        if (!err->message[0])
            snprintf(err->message, sizeof err->message,
                     "HTTP %ld with no AWS error in the body", http_status);
    }
    classify(http_status, err);
}

/* ---- region and endpoint ----------------------------------------------- */

/* sw_aws_resolve_region: AWS_REGION, then AWS_DEFAULT_REGION, else NULL. */
const char *sw_aws_resolve_region(void)
{
    const char *r = getenv("AWS_REGION");
    if (r && *r)
        return r;
    r = getenv("AWS_DEFAULT_REGION");
    return r && *r ? r : NULL;
}

typedef struct endpoint_parts {
    sw_cursor origin; /* scheme://host[:port] */
    sw_cursor path;   /* "" or "/..." without trailing slashes */
    sw_cursor host;   /* host as written (with [] for IPv6) */
    long port;        /* 0 when not given */
    bool https;
} endpoint_parts;

/* parse_endpoint: validates http(s)://host[:port][/path]. Returns SW_OK or
 * SW_E_CONFIG. */
static sw_result parse_endpoint(const char *url, endpoint_parts *out)
{
    memset(out, 0, sizeof *out);
    const char *p;
    if (strncmp(url, "https://", 8) == 0) {
        out->https = true;
        p = url + 8;
    } else if (strncmp(url, "http://", 7) == 0) {
        p = url + 7;
    } else {
        return SW_E_CONFIG;
    }
    const char *h = p;
    if (*p == '[') {
        const char *e = strchr(p, ']');
        if (!e || e == p + 1)
            return SW_E_CONFIG;
        for (const char *q = p + 1; q < e; q++)
            if (!strchr("0123456789abcdefABCDEF:.", *q))
                return SW_E_CONFIG;
        p = e + 1;
    } else {
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
               (*p >= '0' && *p <= '9') || *p == '-' || *p == '.' ||
               *p == '_')
            p++;
        if (p == h)
            return SW_E_CONFIG;
    }
    out->host = sw_cursor_from_mem(h, (size_t)(p - h));
    if (*p == ':') {
        long port = 0;
        const char *d = ++p;
        while (*p >= '0' && *p <= '9' && port <= 65535)
            port = port * 10 + (*p++ - '0');
        if (p == d || port < 1 || port > 65535)
            return SW_E_CONFIG;
        out->port = port;
    }
    out->origin = sw_cursor_from_mem(url, (size_t)(p - url));
    if (*p && *p != '/')
        return SW_E_CONFIG;
    const char *path = p;
    for (; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '?' || *p == '#' ||
            (unsigned char)*p >= 0x7f)
            return SW_E_CONFIG;
    size_t plen = (size_t)(p - path);
    while (plen && path[plen - 1] == '/')
        plen--;
    out->path = sw_cursor_from_mem(path, plen);
    return SW_OK;
}

/* endpoint_env_name: "AWS_ENDPOINT_URL_" + service id, upper-cased with
 * spaces and dashes as underscores (the SDKs' rule). */
static sw_result endpoint_env_name(const char *service_id, sw_buf *out)
{
    sw_result rc = sw_buf_append_cstr(out, "AWS_ENDPOINT_URL_");
    for (const char *s = service_id; !rc && *s; s++) {
        char ch = *s;
        if (ch == ' ' || ch == '-')
            ch = '_';
        else if (ch >= 'a' && ch <= 'z')
            ch = (char)(ch - 32);
        rc = sw_buf_append_byte(out, ch);
    }
    return rc;
}

/* sw_aws_resolve_endpoint: per-service env, global env, then the standard
 * regional host. Returns SW_OK, SW_E_CONFIG (malformed URL, no region),
 * SW_E_NOMEM. */
sw_result sw_aws_resolve_endpoint(const sw_aws_service *svc, const char *region,
                                  sw_buf *out)
{
    const char *url = NULL;
    if (svc->service_id && *svc->service_id) {
        sw_buf name = SW_BUF_INIT;
        sw_result rc = endpoint_env_name(svc->service_id, &name);
        if (rc) {
            sw_buf_free(&name);
            return rc;
        }
        url = getenv(name.ptr);
        sw_buf_free(&name);
    }
    if (!url || !*url)
        url = getenv("AWS_ENDPOINT_URL");
    if (url && *url) {
        endpoint_parts parts;
        if (parse_endpoint(url, &parts))
            return SW_E_CONFIG;
        return sw_buf_append_cstr(out, url);
    }
    const char *prefix = svc->endpoint_prefix ? svc->endpoint_prefix
                                              : svc->signing_name;
    if (!region || !*region || !prefix || !*prefix)
        return SW_E_CONFIG;
    for (const char *r = region; *r; r++)
        if (!((*r >= 'a' && *r <= 'z') || (*r >= '0' && *r <= '9') ||
              *r == '-'))
            return SW_E_CONFIG;
    bool cn = strncmp(region, "cn-", 3) == 0;
    return sw_buf_appendf(out, "https://%s.%s.amazonaws.com%s", prefix, region,
                          cn ? ".cn" : "");
}

/* ---- the client -------------------------------------------------------- */

/* sw_aws_client_new: resolves region, endpoint and retry policy now, so a
 * misconfiguration fails at start-up. Returns SW_OK, SW_E_CONFIG (why set),
 * SW_E_NOMEM. */
sw_result sw_aws_client_new(const sw_aws_config *cfg, sw_creds_provider *creds,
                            sw_aws_client **out, const char **why)
{
    const char *dummy;
    if (!why)
        why = &dummy;
    if (!cfg->service.signing_name || !*cfg->service.signing_name) {
        *why = "no service signing name";
        return SW_E_CONFIG;
    }
    const char *region = cfg->region ? cfg->region : sw_aws_resolve_region();
    if (!region || !*region) {
        *why = "no region: set AWS_REGION or AWS_DEFAULT_REGION";
        return SW_E_CONFIG;
    }
    sw_retry_policy pol;
    if (cfg->retry) {
        pol = *cfg->retry;
    } else if (sw_retry_policy_from_env(&pol, why)) {
        return SW_E_CONFIG;
    }
    sw_buf ep = SW_BUF_INIT;
    sw_result rc = cfg->endpoint ? sw_buf_append_cstr(&ep, cfg->endpoint)
                                 : sw_aws_resolve_endpoint(&cfg->service,
                                                           region, &ep);
    endpoint_parts parts;
    if (rc == SW_E_CONFIG || (!rc && parse_endpoint(ep.ptr, &parts))) {
        sw_buf_free(&ep);
        *why = "malformed endpoint URL: want http(s)://host[:port][/path]";
        return SW_E_CONFIG;
    }
    if (rc) {
        sw_buf_free(&ep);
        return rc;
    }
    sw_aws_client *c = calloc(1, sizeof *c);
    if (!c) {
        sw_buf_free(&ep);
        return SW_E_NOMEM;
    }
    sw_buf host = SW_BUF_INIT;
    long default_port = parts.https ? 443 : 80;
    rc = sw_buf_append_cursor(&host, parts.host);
    if (!rc && parts.port && parts.port != default_port)
        rc = sw_buf_appendf(&host, ":%ld", parts.port);
    c->host = rc ? NULL : sw_buf_detach(&host);
    sw_buf_free(&host);
    c->endpoint = sw_strdup_cursor(parts.origin);
    c->base_path = sw_strdup_cursor(parts.path);
    sw_buf_free(&ep);
    c->signing_name = strdup(cfg->service.signing_name);
    c->region = strdup(region);
    c->sigv4_flags = cfg->service.sigv4_flags;
    c->creds = creds;
    if (!c->host || !c->endpoint || !c->base_path || !c->signing_name ||
        !c->region || sw_http_client_new(cfg->http, &c->http) ||
        sw_sigv4_signer_new(&c->signer)) {
        sw_aws_client_free(c);
        return SW_E_NOMEM;
    }
    /* Seed jitter per process and client so a fleet does not retry in
     * lockstep. */
    uint64_t seed = (uint64_t)time(NULL) ^ ((uint64_t)(uintptr_t)c << 16) ^
                    (uint64_t)clock();
    sw_retry_state_init(&c->retry, &pol, seed);
    *out = c;
    return SW_OK;
}

/* sw_aws_client_free: frees the client (not the credentials provider). */
void sw_aws_client_free(sw_aws_client *c)
{
    if (!c)
        return;
    sw_sigv4_signer_free(c->signer);
    sw_http_client_free(c->http);
    free(c->signing_name);
    free(c->region);
    free(c->endpoint);
    free(c->base_path);
    free(c->host);
    free(c);
}

/* sw_aws_client_endpoint: the resolved endpoint (origin, without path). */
const char *sw_aws_client_endpoint(const sw_aws_client *c)
{
    return c->endpoint;
}

/* sw_aws_client_region: the resolved region. */
const char *sw_aws_client_region(const sw_aws_client *c)
{
    return c->region;
}

#define MAX_HEADERS 32

/* One attempt's request, built afresh with a new signature. */
typedef struct attempt {
    sw_buf url;
    sw_buf path;
    sw_buf host; /* Host header: the prefix (if any) and c->host */
    sw_sigv4_result sig;
    sw_http_header hdr[MAX_HEADERS];
    size_t nhdr;
} attempt;

/* sign_and_build: signs req with creds at the current time and fills the
 * header list for sw_http_send. Returns SW_OK, SW_E_INVALID, SW_E_NOMEM,
 * SW_E_OVERFLOW (too many headers). */
static sw_result sign_and_build(sw_aws_client *c, const sw_aws_request *req,
                                const sw_creds *cr, attempt *a)
{
    if (req->header_count + 6 > MAX_HEADERS)
        return SW_E_OVERFLOW;
    sw_buf_reset(&a->url);
    sw_buf_reset(&a->path);
    sw_buf_reset(&a->host);
    const char *rpath = req->path && *req->path ? req->path : "/";
    const char *prefix = req->host_prefix ? req->host_prefix : "";
    if (strspn(prefix, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "0123456789-.") != strlen(prefix))
        return SW_E_INVALID;
    /* c->endpoint is scheme://host[:port]: the prefix goes after "://". */
    size_t scheme_len = (size_t)(strstr(c->endpoint, "://") - c->endpoint) + 3;
    sw_result rc = sw_buf_appendf(&a->path, "%s%s", c->base_path, rpath);
    if (!rc)
        rc = sw_buf_appendf(&a->host, "%s%s", prefix, c->host);
    if (!rc)
        rc = sw_buf_appendf(&a->url, "%.*s%s%s%s%s%s", (int)scheme_len,
                            c->endpoint, prefix, c->endpoint + scheme_len,
                            a->path.ptr,
                            req->query && *req->query ? "?" : "",
                            req->query ? req->query : "");
    if (rc)
        return rc;
    sw_sigv4_header sh[MAX_HEADERS];
    size_t n = 0;
    sh[n].name = SW_CURSOR_LIT("Host");
    sh[n++].value = sw_cursor_from_buf(&a->host);
    for (size_t i = 0; i < req->header_count; i++) {
        sh[n].name = sw_cursor_from_cstr(req->headers[i].name);
        sh[n++].value = sw_cursor_from_cstr(req->headers[i].value);
    }
    sw_sigv4_credentials sc = {
        sw_cursor_from_cstr(cr->access_key_id),
        sw_cursor_from_cstr(cr->secret_access_key),
        sw_cursor_from_cstr(cr->session_token)};
    sw_sigv4_params params = {&sc, sw_cursor_from_cstr(c->region),
                              sw_cursor_from_cstr(c->signing_name),
                              time(NULL), c->sigv4_flags};
    sw_sigv4_request sreq = {sw_cursor_from_cstr(req->method),
                             sw_cursor_from_buf(&a->path),
                             sw_cursor_from_cstr(req->query),
                             sh,
                             n,
                             req->body,
                             SW_CURSOR_NULL};
    rc = sw_sigv4_sign(c->signer, &params, &sreq, &a->sig);
    sw_secure_zero(&sc, sizeof sc);
    if (rc)
        return rc;
    /* curl sends Host itself from the URL, identical to a->host. */
    a->nhdr = 0;
    for (size_t i = 0; i < req->header_count; i++)
        a->hdr[a->nhdr++] = req->headers[i];
    a->hdr[a->nhdr++] = (sw_http_header){"X-Amz-Date", a->sig.amz_date};
    a->hdr[a->nhdr++] =
        (sw_http_header){"Authorization", a->sig.authorization.ptr};
    if (a->sig.content_sha256[0])
        a->hdr[a->nhdr++] = (sw_http_header){"X-Amz-Content-Sha256",
                                             a->sig.content_sha256};
    if (cr->session_token && *cr->session_token)
        a->hdr[a->nhdr++] =
            (sw_http_header){"X-Amz-Security-Token", cr->session_token};
    a->hdr[a->nhdr++] = (sw_http_header){"User-Agent", USER_AGENT};
    return SW_OK;
}

/* is_expired_token: the codes after which fresh credentials may help. */
static bool is_expired_token(const char *code)
{
    return strcmp(code, "ExpiredToken") == 0 ||
           strcmp(code, "ExpiredTokenException") == 0;
}

/* transport_error: fills err for a failure with no HTTP answer. */
static void transport_error(sw_aws_error *err, sw_result rc,
                            const sw_http_response *resp)
{
    int attempts = err->attempts;
    memset(err, 0, sizeof *err);
    err->attempts = attempts;
    snprintf(err->message, sizeof err->message, "%s: %s", sw_result_str(rc),
             resp->error[0] ? resp->error : "no detail");
    err->retryable = rc == SW_E_NETWORK || rc == SW_E_TIMEOUT ||
                     rc == SW_E_TLS;
}

/* A streamed body's progress across attempts (sw_aws_send_ex). */
typedef struct stream_state {
    const sw_aws_send_opts *o;
    uint64_t delivered;     /* bytes handed to o->on_body so far */
    uint64_t attempt_start; /* delivered when this attempt began */
    uint64_t skip;          /* bytes of this answer still to drop */
    bool started;           /* this attempt's first chunk was seen */
    sw_result sink_rc;      /* what o->on_body returned when it stopped */
} stream_state;

/* stream_chunk: the http layer's body hook: drops the bytes a 200 answer
 * to a Range request repeats, then hands the rest on. Returns the
 * consumer's result. */
static sw_result stream_chunk(void *ctx, long status, sw_cursor chunk)
{
    stream_state *st = ctx;
    if (!st->started) {
        st->started = true;
        st->skip = status == 206 ? 0 : st->attempt_start;
    }
    if (st->skip) {
        size_t drop = chunk.len < st->skip ? chunk.len : (size_t)st->skip;
        st->skip -= drop;
        chunk.ptr += drop;
        chunk.len -= drop;
        if (!chunk.len)
            return SW_OK;
    }
    sw_result rc = st->o->on_body(st->o->on_body_ctx, chunk);
    if (rc) {
        st->sink_rc = rc;
        return rc;
    }
    st->delivered += chunk.len;
    return SW_OK;
}

/* sw_aws_send: the attempt loop without extras (see sw/aws.h). */
sw_result sw_aws_send(sw_aws_client *c, const sw_aws_request *req,
                      sw_buf *resp_body, sw_aws_error *err)
{
    return sw_aws_send_ex(c, req, NULL, resp_body, err);
}

/* sw_aws_send_ex: the attempt loop (see sw/aws.h). A resumed streamed
 * attempt sends a copy of req with Range (and If-Match) added, signed
 * like any other header. */
sw_result sw_aws_send_ex(sw_aws_client *c, const sw_aws_request *req,
                         const sw_aws_send_opts *opts, sw_buf *resp_body,
                         sw_aws_error *err)
{
    sw_aws_error scratch;
    err = sw_aws_error_begin(err, &scratch);
    if (opts && opts->etag)
        sw_buf_reset(opts->etag);
    attempt a;
    memset(&a, 0, sizeof a);
    sw_http_response resp = {0};
    bool refreshed = false;
    enum sw_retry_kind last_kind = SW_RETRY_NO;
    int retried = 0;
    sw_result rc;
    stream_state st = {.o = opts};
    bool streaming = opts && opts->on_body;
    char range[48] = "";
    char if_match[128] = "";
    sw_http_header xh[MAX_HEADERS];
    sw_aws_request rreq = *req;
    for (int n = 1;; n++) {
        err->attempts = n;
        const sw_creds *cr;
        const char *why = NULL;
        rc = sw_creds_get(c->creds, &cr, &why);
        if (rc) {
            snprintf(err->message, sizeof err->message, "%s",
                     why ? why : sw_result_str(rc));
            break;
        }
        rreq = *req;
        if (streaming && st.delivered) {
            /* Resume after the last byte delivered (see sw/aws.h). */
            if (req->header_count + 2 > MAX_HEADERS - 6) {
                rc = SW_E_OVERFLOW;
                snprintf(err->message, sizeof err->message,
                         "could not sign the request: %s", sw_result_str(rc));
                break;
            }
            size_t k = 0;
            for (; k < req->header_count; k++)
                xh[k] = req->headers[k];
            snprintf(range, sizeof range, "bytes=%llu-",
                     (unsigned long long)st.delivered);
            xh[k++] = (sw_http_header){"Range", range};
            if (if_match[0])
                xh[k++] = (sw_http_header){"If-Match", if_match};
            rreq.headers = xh;
            rreq.header_count = k;
        }
        rc = sign_and_build(c, &rreq, cr, &a);
        if (rc) {
            snprintf(err->message, sizeof err->message,
                     "could not sign the request: %s", sw_result_str(rc));
            break;
        }
        sw_http_request hreq = {.method = req->method,
                                .url = a.url.ptr,
                                .headers = a.hdr,
                                .header_count = a.nhdr,
                                .body = req->body,
                                .on_body = streaming ? stream_chunk : NULL,
                                .on_body_ctx = &st};
        st.attempt_start = st.delivered;
        st.started = false;
        st.skip = 0;
        rc = sw_http_send(c->http, &hreq, &resp);
        if (streaming && !if_match[0] && resp.status >= 200 &&
            resp.status < 300 && resp.etag.len &&
            resp.etag.len < sizeof if_match)
            memcpy(if_match, resp.etag.ptr, resp.etag.len + 1);
        enum sw_retry_kind kind = SW_RETRY_NO;
        if (st.sink_rc) {
            /* The consumer said stop: nothing to retry. */
            rc = sw_aws_local_error(err, st.sink_rc,
                                    "the body's consumer stopped the "
                                    "transfer");
            err->http_status = resp.status;
            break;
        }
        if (rc == SW_OK && resp.status >= 200 && resp.status < 300) {
            sw_retry_on_success(&c->retry, retried, last_kind);
            sw_buf tmp = *resp_body;
            *resp_body = resp.body;
            resp.body = tmp;
            sw_buf_reset(&resp.body);
            err->http_status = resp.status;
            copy_cursor(err->request_id, sizeof err->request_id,
                        sw_cursor_from_buf(&resp.request_id));
            if (opts && opts->etag)
                rc = sw_buf_append_cursor(opts->etag,
                                          sw_cursor_from_buf(&resp.etag));
            break;
        }
        if (rc == SW_OK) {
            sw_aws_parse_error(resp.status,
                               sw_cursor_from_buf(&resp.content_type),
                               sw_cursor_from_buf(&resp.body), err);
            if (resp.request_id.len)
                copy_cursor(err->request_id, sizeof err->request_id,
                            sw_cursor_from_buf(&resp.request_id));
            rc = SW_E_AWS;
            if (is_expired_token(err->code) && !refreshed) {
                refreshed = true;
                sw_creds_invalidate(c->creds);
                continue;
            }
            if (err->retryable)
                kind = SW_RETRY_TRANSIENT;
        } else {
            transport_error(err, rc, &resp);
            if (rc == SW_E_TIMEOUT)
                kind = SW_RETRY_TIMEOUT;
            else if (err->retryable)
                kind = SW_RETRY_TRANSIENT;
        }
        /* Bytes already delivered can only be resumed, never resent. */
        if (streaming && st.delivered && !opts->resume_with_range)
            break;
        long delay = 0;
        if (!sw_retry_should_retry(&c->retry, n - (refreshed ? 1 : 0), kind,
                                   &delay))
            break;
        retried = 1;
        last_kind = kind;
        sw_sleep_ms(delay);
    }
    sw_buf_free(&a.url);
    sw_buf_free(&a.path);
    sw_buf_free(&a.host);
    sw_sigv4_result_free(&a.sig);
    sw_http_response_free(&resp);
    return rc;
}

/* sw_aws_json_call: POST / with X-Amz-Target and the JSON content type. */
sw_result sw_aws_json_call(sw_aws_client *c, const char *json_version,
                           const char *target, sw_cursor body,
                           sw_buf *resp_body, sw_aws_error *err)
{
    char ctype[48];
    snprintf(ctype, sizeof ctype, "application/x-amz-json-%s",
             json_version ? json_version : "1.0");
    sw_http_header h[] = {{"Content-Type", ctype}, {"X-Amz-Target", target}};
    sw_aws_request req = {.method = "POST",
                          .path = "/",
                          .headers = h,
                          .header_count = 2,
                          .body = body};
    return sw_aws_send(c, &req, resp_body, err);
}

/* sw_aws_query_call: POST / with a query-protocol form body. */
sw_result sw_aws_query_call(sw_aws_client *c, const sw_buf *form,
                            sw_buf *resp_body, sw_aws_error *err)
{
    sw_http_header h[] = {
        {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"}};
    sw_aws_request req = {.method = "POST",
                          .path = "/",
                          .headers = h,
                          .header_count = 1,
                          .body = sw_cursor_from_buf(form)};
    return sw_aws_send(c, &req, resp_body, err);
}

/* sw_aws_exit_code: an AWS error answer is transient only if the standard
 * retry mode would retry it (or it is a 5xx or an expired token, which a
 * fresh attempt with fresh credentials may pass); any other answer will be
 * the same next time, so it is bad input or configuration. */
int sw_aws_exit_code(sw_result rc, const sw_aws_error *err)
{
    if (rc != SW_E_AWS || !err)
        return sw_exit_code_for(rc);
    if (err->retryable || err->throttling || err->http_status >= 500 ||
        strncmp(err->code, "ExpiredToken", 12) == 0)
        return SW_EXIT_TRANSIENT;
    return SW_EXIT_BAD_INPUT;
}

/* sw_aws_error_begin: err, or scratch when err is NULL, cleared. */
sw_aws_error *sw_aws_error_begin(sw_aws_error *err, sw_aws_error *scratch)
{
    if (!err)
        err = scratch;
    memset(err, 0, sizeof *err);
    return err;
}

/* sw_aws_local_error: a local failure in err's shape (see header). */
sw_result sw_aws_local_error(sw_aws_error *err, sw_result rc, const char *why)
{
    if (err) {
        int attempts = err->attempts;
        memset(err, 0, sizeof(*err));
        err->attempts = attempts;
        snprintf(err->message, sizeof(err->message), "%s", why);
    }
    return rc;
}
