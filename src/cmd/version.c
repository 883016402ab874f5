/* berth version: the release, what git said of the tree it was built from,
 * and (--format json) the engine API versions berth speaks and the versions
 * of the libraries it runs with — the ones loaded now, not the headers it
 * was compiled against, since a Debian upgrade replaces them underneath. */
#include <archive.h>
#include <curl/curl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_version.h>

#include "cmd.h"
#include "engine/engine.h"
#include "base/util.h"
#include "version.h"

static const char usage[] =
    "usage: berth version [--format text|json]\n"
    "\n"
    "Print berth's release and, when it was built from a git checkout, what\n"
    "`git describe` said of it (commit, and -dirty for uncommitted changes).\n"
    "\n"
    "options:\n"
    "  --format text|json   json: also the engine API versions berth speaks and\n"
    "                       the versions of the libraries it runs with\n"
    "  -h, --help           this help\n";

/* NULL when the build was not from a checkout (vcs_tag fell back to the release). */
static const char *git_describe(void)
{
    return streq(BERTH_GIT_DESCRIBE, BERTH_VERSION) || !*BERTH_GIT_DESCRIBE ? NULL
                                                                            : BERTH_GIT_DESCRIBE;
}

void print_version_line(void)
{
    const char *git = git_describe();
    if (git)
        printf("berth %s (git %s)\n", BERTH_VERSION, git);
    else
        printf("berth %s\n", BERTH_VERSION);
}

/* "libarchive 3.6.2 zlib/1.2.13 ..." -> "3.6.2" */
static const char *after_name(const char *s, const char *name)
{
    size_t n = strlen(name);
    return strncmp(s, name, n) == 0 && s[n] == ' ' ? s + n + 1 : s;
}

static int print_json(void)
{
    const curl_version_info_data *curl = curl_version_info(CURLVERSION_NOW);
    const char *git = git_describe();
    char archive_version[64];
    snprintf(archive_version, sizeof(archive_version), "%s",
             after_name(archive_version_string(), "libarchive"));
    int y = yajl_version(); /* major * 10000 + minor * 100 + micro */
    char yajl[32];
    snprintf(yajl, sizeof yajl, "%d.%d.%d", y / 10000, y / 100 % 100, y % 100);
    /* The YAML library joins this list when berth links one. */
    json_t *o = json_pack(
        "{s:s, s:o, s:{s:s, s:s}, s:{s:{s:s, s:s?}, s:s, s:s, s:{s:s, s:s}, s:s}}",
        "version", BERTH_VERSION,
        "git", git ? json_string(git) : json_null(),
        "api", "min", ENGINE_API_MIN, "max", ENGINE_API_MAX,
        "libraries",
        "libcurl", "version", curl->version, "ssl", curl->ssl_version,
        "jansson", jansson_version_str(),
        "yajl", yajl,
        "libarchive", "version", archive_version, "details", archive_version_details(),
        "openssl", OpenSSL_version(OPENSSL_VERSION));
    if (!o)
        return -1;
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(o);
    if (!s)
        return -1;
    puts(s);
    free(s);
    return 0;
}

int cmd_version(cli *g, int argc, char **argv, berr **err)
{
    (void)g;
    enum out_format fmt;
    int parsed = parse_format_options("version", usage, argc, argv, &fmt, err);
    if (parsed != 0)
        return parsed < 0 ? -1 : 0;
    if (optind < argc)
        return cmd_usage_error(err, "version", "unexpected argument '%s'", argv[optind]);
    if (fmt == FORMAT_JSON) {
        if (print_json() < 0)
            return berr_set(err, BERR_FAILURE, "version: could not make the JSON document");
        return 0;
    }
    print_version_line();
    return 0;
}
