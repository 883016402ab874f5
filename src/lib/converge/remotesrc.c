/* Build contexts that are URLs (see remotesrc.h). */
#include "converge/remotesrc.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/hash.h"
#include "base/strbuf.h"
#include "base/util.h"

extern char **environ;

bool remote_is_git(const char *url)
{
    /* As the engine decides it: git://, git@, or a URL whose path (before
     * any #fragment) ends in .git. */
    if (starts_with(url, "git://") || starts_with(url, "git@"))
        return true;
    size_t n = strcspn(url, "#");
    return n >= 4 && !strncmp(url + n - 4, ".git", 4);
}

/* Run git with args, its stdout into *out (at most 1 MiB); no shell. */
static int run_git(char *const argv[], char **out, int *status, berr **err)
{
    int op[2];
    if (pipe2(op, O_CLOEXEC) < 0)
        return berr_errno(err, BERR_FAILURE, errno, "git: pipe");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, op[1], 1);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid;
    int rc = posix_spawnp(&pid, "git", &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(op[1]);
    if (rc != 0) {
        close(op[0]);
        return berr_errno(err, BERR_NOTFOUND, rc, "cannot run git (a git build source needs it)");
    }
    strbuf sb = STRBUF_INIT;
    char buf[4096];
    ssize_t n;
    while ((n = read(op[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0 && sb.len < (1u << 20))
            sb_add(&sb, buf, (size_t)n);
    close(op[0]);
    int ws = 0;
    while (waitpid(pid, &ws, 0) < 0 && errno == EINTR)
        ;
    *status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128;
    *out = sb_detach(&sb, NULL);
    return 0;
}

int remote_git_commit(const char *url, char **commit, berr **err)
{
    *commit = NULL;
    /* URL#REF:DIR, as the engine reads it: the ref (default HEAD) names
     * the commit; the folder is the engine's business. */
    const char *hash = strchr(url, '#');
    cleanup_free char *repo = hash ? xstrndup(url, (size_t)(hash - url)) : xstrdup(url);
    cleanup_free char *ref = NULL;
    if (hash && hash[1] && hash[1] != ':')
        ref = xstrndup(hash + 1, strcspn(hash + 1, ":"));
    char *argv[] = {"git", "ls-remote", "--", repo, ref ? ref : "HEAD", NULL};
    cleanup_free char *out = NULL;
    int status;
    if (run_git(argv, &out, &status, err) < 0)
        return -1;
    if (status != 0)
        return berr_set(err, BERR_FAILURE, "git ls-remote %s failed (exit %d): is the repository "
                        "there, and reachable?", repo, status);
    size_t n = strspn(out, "0123456789abcdef");
    if (n < 40)
        return berr_set(err, BERR_NOTFOUND, "git: %s has no ref '%s'", repo, ref ? ref : "HEAD");
    *commit = xstrndup(out, n);
    return 0;
}

/* ---- a context archive fetched over HTTP ---- */

struct dl {
    FILE *f;
    hasher *h;
    long long size;
};

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct dl *d = ud;
    size_t len = size * n;
    if (fwrite(data, 1, len, d->f) != len)
        return 0;
    hasher_add(d->h, data, len);
    d->size += (long long)len;
    return len;
}

int remote_download(const char *url, struct tarfile *tf, berr **err)
{
    memset(tf, 0, sizeof *tf);
    CURL *c = curl_easy_init();
    if (!c)
        return berr_set(err, BERR_FAILURE, "cannot create an HTTP handle");
    struct dl d = {.f = tmpfile(), .h = hasher_new()};
    if (!d.f) {
        curl_easy_cleanup(c);
        char tmp[65];
        hasher_finish(d.h, tmp);
        return berr_errno(err, BERR_FAILURE, errno, "a temporary file for %s", url);
    }
    char detail[CURL_ERROR_SIZE] = "";
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &d);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
    CURLcode rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    hasher_finish(d.h, tf->hash);
    if (rc != CURLE_OK || fflush(d.f) != 0 || fseek(d.f, 0, SEEK_SET) != 0) {
        fclose(d.f);
        return berr_set(err, BERR_FAILURE, "cannot fetch the build context %s: %s", url,
                        detail[0] ? detail : curl_easy_strerror(rc));
    }
    tf->f = d.f;
    tf->size = d.size;
    return 0;
}
