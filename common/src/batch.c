/* batch.c - AWS Batch SubmitJob, DescribeJobs and TerminateJob over the
 * REST-JSON protocol (see sw/batch.h).
 *
 * Batch is not a JSON 1.0 service: each operation is POST /v1/<operation>
 * with a plain application/json body and no X-Amz-Target, so requests go
 * through sw_aws_send directly. Every request is checked against the API's
 * documented limits before anything is sent, so a bad graph fails at once
 * with SW_E_INVALID instead of after a signed round trip. Error answers
 * ({"__type":"ClientException","message":...}, or only a "message" with the
 * code in x-amzn-ErrorType) are parsed by sw_aws_parse_error: a
 * ClientException (HTTP 400) is final, a ServerException (HTTP 500) is
 * retried by sw_aws_send like any 5xx. */
#include "sw/batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const sw_aws_service sw_batch_service = {
    "batch", /* signing name */
    "batch", /* endpoint prefix */
    "BATCH", /* AWS_ENDPOINT_URL_BATCH */
    0,
};

#define BATCH_NAME_MAX 128      /* jobName */
#define BATCH_DEPENDS_MAX 20    /* dependsOn entries */
#define BATCH_ARRAY_MIN 2       /* arrayProperties.size */
#define BATCH_ARRAY_MAX 10000
#define BATCH_TIMEOUT_MIN 60    /* attemptDurationSeconds */
#define BATCH_DESCRIBE_MAX 100  /* DescribeJobs ids per call */
#define BATCH_ID_MAX 256        /* a job id or ARN; generous, but bounded */
#define BATCH_REASON_MAX 1024   /* TerminateJob reason; ours, to stay sane */

/* is_alnum: an ASCII letter or digit. */
static int is_alnum(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           (ch >= '0' && ch <= '9');
}

/* check_job_name: 1-128 of [A-Za-z0-9_-], starting with a letter or digit
 * (Batch's rule for jobName). Returns 1 when valid. */
static int check_job_name(const char *name)
{
    if (!name || !is_alnum(name[0]))
        return 0;
    size_t n = strlen(name);
    if (n > BATCH_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!is_alnum(name[i]) && name[i] != '-' && name[i] != '_')
            return 0;
    return 1;
}

/* check_id: a job id, queue or definition reference: non-empty, bounded,
 * printable ASCII without spaces. Returns 1 when valid. */
static int check_id(const char *id)
{
    if (!id || !id[0])
        return 0;
    size_t n = strlen(id);
    if (n > BATCH_ID_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)id[i] <= ' ' || (unsigned char)id[i] >= 0x7f)
            return 0;
    return 1;
}

/* is_string_map: true when j is an object whose members are all strings
 * (parameters, tags). */
static int is_string_map(const cJSON *j)
{
    if (!cJSON_IsObject(j))
        return 0;
    for (const cJSON *m = j->child; m; m = m->next)
        if (!cJSON_IsString(m))
            return 0;
    return 1;
}

/* check_dependency: one dependsOn entry. A typed dependency (N_TO_N,
 * SEQUENTIAL) only means something for an array job; SEQUENTIAL alone may
 * leave job_id NULL (each child waits for the previous index). Returns
 * NULL when valid, else a static line saying why not. */
static const char *check_dependency(const sw_batch_dependency *d,
                                    int array_size)
{
    if (d->type && strcmp(d->type, "N_TO_N") != 0 &&
        strcmp(d->type, "SEQUENTIAL") != 0)
        return "dependency type must be N_TO_N, SEQUENTIAL or none";
    if (d->type && array_size == 0)
        return "N_TO_N and SEQUENTIAL dependencies need an array job";
    if (!d->job_id) {
        if (d->type && strcmp(d->type, "SEQUENTIAL") == 0)
            return NULL;
        return "a dependency needs a job id (only SEQUENTIAL may omit it)";
    }
    if (!check_id(d->job_id))
        return "a dependency's job id is empty, too long or not printable";
    return NULL;
}

/* check_submit: every limit of SubmitJob we can know locally. Returns NULL
 * when req is valid, else a static line saying why not. */
static const char *check_submit(const sw_batch_submit *req)
{
    if (!check_job_name(req->job_name))
        return "job name must be 1-128 of A-Z a-z 0-9 - _, starting with a "
               "letter or digit";
    if (!check_id(req->job_queue))
        return "job queue is empty, too long or not printable";
    if (!check_id(req->job_definition))
        return "job definition is empty, too long or not printable";
    if (req->array_size != 0 &&
        (req->array_size < BATCH_ARRAY_MIN || req->array_size > BATCH_ARRAY_MAX))
        return "array size must be 0 (no array) or 2 to 10000";
    if (req->depends_on_count > BATCH_DEPENDS_MAX)
        return "a job may depend on at most 20 jobs";
    if (req->depends_on_count && !req->depends_on)
        return "depends_on is NULL but depends_on_count is not 0";
    for (size_t i = 0; i < req->depends_on_count; i++) {
        const char *why = check_dependency(&req->depends_on[i],
                                           req->array_size);
        if (why)
            return why;
    }
    if (req->timeout_seconds != 0 && req->timeout_seconds < BATCH_TIMEOUT_MIN)
        return "timeout must be 0 (none) or at least 60 seconds";
    if (req->container_overrides && !cJSON_IsObject(req->container_overrides))
        return "container overrides must be a JSON object";
    if (req->retry_strategy && !cJSON_IsObject(req->retry_strategy))
        return "retry strategy must be a JSON object";
    if (req->parameters && !is_string_map(req->parameters))
        return "parameters must be a JSON object of strings";
    if (req->tags && !is_string_map(req->tags))
        return "tags must be a JSON object of strings";
    return NULL;
}

/* add_ref: adds a borrowed (not copied, not freed) member. Returns 0 on
 * ENOMEM. The cast is safe: cJSON never writes through a reference. */
static int add_ref(cJSON *obj, const char *name, const cJSON *item)
{
    return cJSON_AddItemReferenceToObject(obj, name, (cJSON *)item) ? 1 : 0;
}

/* submit_body: the SubmitJob request object for a checked req, borrowing
 * the caller's JSON parts. Returns NULL on ENOMEM. */
static cJSON *submit_body(const sw_batch_submit *req)
{
    cJSON *b = cJSON_CreateObject();
    int ok = b && cJSON_AddStringToObject(b, "jobName", req->job_name) &&
             cJSON_AddStringToObject(b, "jobQueue", req->job_queue) &&
             cJSON_AddStringToObject(b, "jobDefinition", req->job_definition);
    if (ok && req->depends_on_count) {
        cJSON *deps = cJSON_AddArrayToObject(b, "dependsOn");
        ok = deps != NULL;
        for (size_t i = 0; ok && i < req->depends_on_count; i++) {
            const sw_batch_dependency *d = &req->depends_on[i];
            cJSON *e = cJSON_CreateObject();
            ok = e && cJSON_AddItemToArray(deps, e);
            if (!ok) {
                cJSON_Delete(e);
                break;
            }
            if (d->job_id)
                ok = cJSON_AddStringToObject(e, "jobId", d->job_id) != NULL;
            if (ok && d->type)
                ok = cJSON_AddStringToObject(e, "type", d->type) != NULL;
        }
    }
    if (ok && req->array_size) {
        cJSON *ap = cJSON_AddObjectToObject(b, "arrayProperties");
        ok = ap && cJSON_AddNumberToObject(ap, "size", req->array_size);
    }
    if (ok && req->container_overrides)
        ok = add_ref(b, "containerOverrides", req->container_overrides);
    if (ok && req->parameters)
        ok = add_ref(b, "parameters", req->parameters);
    if (ok && req->retry_strategy)
        ok = add_ref(b, "retryStrategy", req->retry_strategy);
    if (ok && req->timeout_seconds) {
        cJSON *t = cJSON_AddObjectToObject(b, "timeout");
        ok = t && cJSON_AddNumberToObject(t, "attemptDurationSeconds",
                                          (double)req->timeout_seconds);
    }
    if (ok && req->tags)
        ok = add_ref(b, "tags", req->tags);
    if (!ok) {
        cJSON_Delete(b);
        return NULL;
    }
    return b;
}

/* batch_call: POSTs body to /v1/<op> and, if resp is not NULL, parses the
 * answer into *resp (an object). Returns SW_OK, SW_E_NOMEM, SW_E_PARSE or
 * sw_aws_send's results. */
static sw_result batch_call(sw_aws_client *c, const char *op,
                            const cJSON *body, cJSON **resp,
                            sw_aws_error *err)
{
    char path[48];
    sw_buf out = SW_BUF_INIT;
    if (resp)
        *resp = NULL;
    char *json = cJSON_PrintUnformatted(body);
    if (!json)
        return sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    snprintf(path, sizeof(path), "/v1/%s", op);
    sw_http_header h[] = {{"Content-Type", "application/json"}};
    sw_aws_request req = {.method = "POST",
                          .path = path,
                          .headers = h,
                          .header_count = 1,
                          .body = sw_cursor_from_cstr(json)};
    memset(err, 0, sizeof(*err));
    sw_result rc = sw_aws_send(c, &req, &out, err);
    cJSON_free(json);
    if (rc == SW_OK && resp) {
        *resp = cJSON_ParseWithLength(out.ptr ? out.ptr : "", out.len);
        if (!cJSON_IsObject(*resp)) {
            cJSON_Delete(*resp);
            *resp = NULL;
            rc = sw_aws_local_error(err, SW_E_PARSE,
                                    "Batch answer is not a JSON object");
        }
    }
    sw_buf_free(&out);
    return rc;
}

/* sw_batch_submit_job: checks req, sends SubmitJob and copies the jobId.
 * Returns SW_OK, SW_E_INVALID (before any call), SW_E_OVERFLOW (job_id too
 * small for the id), SW_E_PARSE, SW_E_NOMEM or sw_aws_send's results. */
sw_result sw_batch_submit_job(sw_aws_client *c, const sw_batch_submit *req,
                              char *job_id, size_t job_id_len,
                              sw_aws_error *err)
{
    sw_aws_error scratch;
    err = sw_aws_error_begin(err, &scratch);
    if (!req || !job_id || job_id_len == 0)
        return sw_aws_local_error(err, SW_E_INVALID,
                                  "no request or no room for the job id");
    job_id[0] = '\0';
    const char *why = check_submit(req);
    if (why)
        return sw_aws_local_error(err, SW_E_INVALID, why);
    cJSON *body = submit_body(req);
    if (!body)
        return sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    cJSON *resp = NULL;
    sw_result rc = batch_call(c, "submitjob", body, &resp, err);
    cJSON_Delete(body);
    if (rc)
        return rc;
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(resp, "jobId");
    if (!cJSON_IsString(id) || !id->valuestring[0])
        rc = sw_aws_local_error(err, SW_E_PARSE, "SubmitJob answered no jobId");
    else if (strlen(id->valuestring) >= job_id_len)
        rc = sw_aws_local_error(err, SW_E_OVERFLOW,
                                "the job id does not fit the caller's buffer");
    else
        memcpy(job_id, id->valuestring, strlen(id->valuestring) + 1);
    cJSON_Delete(resp);
    return rc;
}

/* take_job: detaches and returns the first job in jobs whose jobId is id,
 * or NULL. */
static cJSON *take_job(cJSON *jobs, const char *id)
{
    for (cJSON *j = jobs->child; j; j = j->next) {
        const cJSON *jid = cJSON_GetObjectItemCaseSensitive(j, "jobId");
        if (cJSON_IsString(jid) && strcmp(jid->valuestring, id) == 0)
            return cJSON_DetachItemViaPointer(jobs, j);
    }
    return NULL;
}

/* describe_chunk: one DescribeJobs call for n (<= 100) ids; appends the
 * jobs to out in the order of ids (Batch does not promise any order), then
 * anything Batch answered that matched no id as given. Returns SW_OK,
 * SW_E_NOMEM, SW_E_PARSE or sw_aws_send's results. */
static sw_result describe_chunk(sw_aws_client *c, const char *const *ids,
                                size_t n, cJSON *out, sw_aws_error *err)
{
    cJSON *body = cJSON_CreateObject();
    cJSON *arr = body ? cJSON_AddArrayToObject(body, "jobs") : NULL;
    int ok = arr != NULL;
    for (size_t i = 0; ok && i < n; i++) {
        cJSON *s = cJSON_CreateString(ids[i]);
        ok = s && cJSON_AddItemToArray(arr, s);
        if (!ok)
            cJSON_Delete(s);
    }
    if (!ok) {
        cJSON_Delete(body);
        return sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    }
    cJSON *resp = NULL;
    sw_result rc = batch_call(c, "describejobs", body, &resp, err);
    cJSON_Delete(body);
    if (rc)
        return rc;
    cJSON *jobs = cJSON_GetObjectItemCaseSensitive(resp, "jobs");
    if (!cJSON_IsArray(jobs)) {
        cJSON_Delete(resp);
        return sw_aws_local_error(err, SW_E_PARSE,
                                  "DescribeJobs answered no jobs array");
    }
    for (size_t i = 0; i < n; i++) {
        cJSON *j = take_job(jobs, ids[i]);
        if (j)
            cJSON_AddItemToArray(out, j);
    }
    while (jobs->child)
        cJSON_AddItemToArray(out,
                             cJSON_DetachItemViaPointer(jobs, jobs->child));
    cJSON_Delete(resp);
    return SW_OK;
}

/* sw_batch_describe_jobs: checks the ids, then DescribeJobs 100 ids at a
 * time, concatenating the answers in the order of job_ids. n == 0 answers
 * an empty array without a call. Returns as described in sw/batch.h. */
sw_result sw_batch_describe_jobs(sw_aws_client *c, const char *const *job_ids,
                                 size_t n, cJSON **jobs_out,
                                 sw_aws_error *err)
{
    sw_aws_error scratch;
    err = sw_aws_error_begin(err, &scratch);
    if (!jobs_out)
        return sw_aws_local_error(err, SW_E_INVALID, "no place for the answer");
    *jobs_out = NULL;
    if (n && !job_ids)
        return sw_aws_local_error(err, SW_E_INVALID, "job_ids is NULL");
    for (size_t i = 0; i < n; i++)
        if (!check_id(job_ids[i]))
            return sw_aws_local_error(err, SW_E_INVALID,
                                      "a job id is empty, too long or not "
                                      "printable");
    cJSON *all = cJSON_CreateArray();
    if (!all)
        return sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    for (size_t off = 0; off < n; off += BATCH_DESCRIBE_MAX) {
        size_t k = n - off < BATCH_DESCRIBE_MAX ? n - off : BATCH_DESCRIBE_MAX;
        sw_result rc = describe_chunk(c, job_ids + off, k, all, err);
        if (rc) {
            cJSON_Delete(all);
            return rc;
        }
    }
    *jobs_out = all;
    return SW_OK;
}

/* sw_batch_terminate_job: checks the id and reason, then TerminateJob
 * (whose answer is an empty object). Returns SW_OK, SW_E_INVALID,
 * SW_E_NOMEM or sw_aws_send's results. */
sw_result sw_batch_terminate_job(sw_aws_client *c, const char *job_id,
                                 const char *reason, sw_aws_error *err)
{
    sw_aws_error scratch;
    err = sw_aws_error_begin(err, &scratch);
    if (!check_id(job_id))
        return sw_aws_local_error(err, SW_E_INVALID,
                                  "the job id is empty, too long or not "
                                  "printable");
    if (!reason || !reason[0] || strlen(reason) > BATCH_REASON_MAX)
        return sw_aws_local_error(err, SW_E_INVALID,
                                  "TerminateJob needs a reason (1-1024 bytes)");
    cJSON *body = cJSON_CreateObject();
    if (!body || !cJSON_AddStringToObject(body, "jobId", job_id) ||
        !cJSON_AddStringToObject(body, "reason", reason)) {
        cJSON_Delete(body);
        return sw_aws_local_error(err, SW_E_NOMEM, "out of memory");
    }
    sw_result rc = batch_call(c, "terminatejob", body, NULL, err);
    cJSON_Delete(body);
    return rc;
}
