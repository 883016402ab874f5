/* From substituted text to a typed setting: every key's value is checked
 * against its type (with a message saying what is accepted), relative host
 * paths are made absolute, and references to other parts are checked for
 * existence and kind and recorded as dependencies. */
#include <string.h>
#include <sys/stat.h>

#include "project/loader.h"
#include "base/strbuf.h"
#include "base/util.h"
#include "project/values.h"

/* What a check works on: one key of one part. */
struct ck {
    struct loader *L;
    struct part *pt;
    int pi;
    struct rsec *s;
    struct rkv *kv;
    struct strv *argv; /* KT_ARGV: the words split, when the caller keeps them */
};

static void bad(struct ck *c, const char *item, const char *why)
{
    load_problem(c->L, c->s, c->kv, "'%s' %s", item, why);
}

static const char *kinds_text(unsigned mask)
{
    switch (mask) {
    case 1u << PART_CONTAINER: return "a container part";
    case 1u << PART_NETWORK: return "a network part";
    case 1u << PART_VOLUME: return "a volume part";
    case 1u << PART_ENGINE: return "an engine part";
    case IMAGE_MAKERS: return "a build, bootstrap, assemble or pull part";
    default: return "a part";
    }
}

/* name must be a part of one of the kinds in mask: report and return -1 if not. */
static int ref_part(struct ck *c, const char *name, unsigned mask)
{
    int i = project_find(c->L->p, name);
    if (i < 0) {
        struct rsec *t = loader_find_sec(c->L, name, NULL);
        if (t && t->invalid)
            return -1; /* reported already */
        load_problem(c->L, c->s, c->kv, "no part '%s' in this project%s (it must name %s)", name,
               suggest_part(c->L, name, mask), kinds_text(mask));
        return -1;
    }
    if (mask && !(mask & (1u << c->L->p->parts[i].kind))) {
        load_problem(c->L, c->s, c->kv, "'%s' is a %s part, but this must name %s", name,
               part_kind_name(c->L->p->parts[i].kind), kinds_text(mask));
        return -1;
    }
    add_dep(c->L, c->pi, i, c->kv->key, c->kv->loc);
    return i;
}

/* PART[:INSTANCE][:ro|:rw] */
static bool check_cref(struct ck *c, const char *text, bool allow_mode, struct cref *out)
{
    memset(out, 0, sizeof *out);
    out->instance = -1;
    /* Split on every ':' and count all the fields: parts[] keeps the first
     * three, n counts them all, so a reference with too many fields is
     * refused below instead of read past the array (issue 13). */
    char *t = arena_strdup(c->L->a, text);
    char *parts[3] = {t, NULL, NULL};
    size_t n = 1;
    for (char *p = t; *p; p++) {
        if (*p == ':') {
            *p = '\0';
            if (n < ARRAY_SIZE(parts))
                parts[n] = p + 1;
            n++;
        }
    }
    const char *last = n <= ARRAY_SIZE(parts) ? parts[n - 1] : NULL;
    if (n > 1 && n <= ARRAY_SIZE(parts) && allow_mode && (streq(last, "ro") || streq(last, "rw"))) {
        out->read_only = streq(last, "ro");
        n--;
    }
    if (n > 2) {
        bad(c, text, allow_mode ? "is not a container reference (use PART, PART:INSTANCE, "
                                  "optionally followed by :ro or :rw)"
                                : "is not a container reference (use PART or PART:INSTANCE)");
        return false;
    }
    out->part = ref_part(c, parts[0], 1u << PART_CONTAINER);
    if (out->part < 0)
        return false;
    struct container *ct = c->L->p->parts[out->part].container;
    if (n == 2 && ct) {
        out->instance = container_instance(ct, parts[1]);
        if (out->instance < 0) {
            const char **names = arena_alloc(c->L->a, (ct->ninstances + 1) * sizeof *names);
            for (size_t i = 0; i < ct->ninstances; i++)
                names[i] = ct->instances[i].name;
            const char *near = nearest_word(parts[1], names, ct->ninstances);
            load_problem(c->L, c->s, c->kv, "part '%s' has no instance '%s'%s%s%s", parts[0], parts[1],
                   near ? " (did you mean '" : "", near ? near : "", near ? "'?)" : "");
            return false;
        }
    }
    return true;
}

static const char *host_path(struct ck *c, const char *v)
{
    return join_path(c->L->a, c->kv->base ? c->kv->base : c->L->p->dir, v);
}

/* kind: 'd' folder, 'f' file, 0 anything */
static const char *existing(struct ck *c, const char *v, int kind)
{
    const char *path = host_path(c, v);
    struct stat st;
    if (stat(path, &st) != 0) {
        load_problem(c->L, c->s, c->kv, "'%s' does not exist%s%s%s", v, streq(path, v) ? "" : " (",
               streq(path, v) ? "" : path, streq(path, v) ? "" : ")");
        return NULL;
    }
    if (kind == 'd' && !S_ISDIR(st.st_mode)) {
        bad(c, v, "is not a folder");
        return NULL;
    }
    if (kind == 'f' && !S_ISREG(st.st_mode)) {
        bad(c, v, "is not a regular file");
        return NULL;
    }
    return path;
}

/* "FILE [sha256:HEX]": a local archive and, optionally, its digest. berth
 * fetches nothing from the network, so a URL is refused with the fix. */
static bool check_archive(struct ck *c, const char *v, const char **norm)
{
    struct strv w;
    split_words(c->L->a, v, &w);
    if (w.n == 0 || w.n > 2) {
        bad(c, v, "is not an archive (use FILE or FILE sha256:HEX)");
        return false;
    }
    if (is_url(w.v[0])) {
        bad(c, v, "is a URL: berth reads archives from this machine only (download it, then "
                  "name the file)");
        return false;
    }
    const char *sum = w.n == 2 ? w.v[1] : NULL;
    if (sum && starts_with(sum, "sha256:"))
        sum += strlen("sha256:");
    if (sum && (strlen(sum) != 64 || strspn(sum, "0123456789abcdef") != 64)) {
        bad(c, v, "has a digest that is not sha256:HEX (64 lower-case hex digits)");
        return false;
    }
    const char *path = existing(c, w.v[0], 'f');
    if (!path)
        return false;
    *norm = sum ? arena_printf(c->L->a, "%s sha256:%s", path, sum) : path;
    return true;
}

/* "HOST_FILE [/IMAGE_PATH]": a file of this machine placed in the image (at
 * the same path when no other is given). */
static bool check_hostfile(struct ck *c, const char *v, const char **norm)
{
    struct strv w;
    split_words(c->L->a, v, &w);
    if (w.n == 0 || w.n > 2 || (w.n == 2 && w.v[1][0] != '/')) {
        bad(c, v, "is not a file line (use HOST_FILE or HOST_FILE /PATH/IN/IMAGE)");
        return false;
    }
    const char *path = existing(c, w.v[0], 'f');
    if (!path)
        return false;
    *norm = arena_printf(c->L->a, "%s %s", path, w.n == 2 ? w.v[1] : path);
    return true;
}

static bool check_mount(struct ck *c, const char *item, const char **norm)
{
    static const char why[] = "is not a volume (use /PATH, SOURCE:/PATH or SOURCE:/PATH:ro, where "
                              "SOURCE is a host path or a volume part)";
    char *t = arena_strdup(c->L->a, item);
    const char *mode = NULL;
    char *last = strrchr(t, ':');
    if (last && (streq(last + 1, "ro") || streq(last + 1, "rw"))) {
        mode = last + 1;
        *last = '\0';
    }
    char *colon = strchr(t, ':');
    const char *src = colon ? t : NULL, *dst = colon ? colon + 1 : t;
    if (colon)
        *colon = '\0';
    if (dst[0] != '/' || strchr(dst, ':') || (src && !*src)) {
        bad(c, item, why);
        return false;
    }
    if (src && (src[0] == '/' || src[0] == '.' || src[0] == '~')) {
        if (src[0] == '~') {
            bad(c, item, "starts with ~, which is not expanded (write the path out, or use "
                         "${env:HOME})");
            return false;
        }
        src = host_path(c, src);
    } else if (src && ref_part(c, src, 1u << PART_VOLUME) < 0) {
        return false;
    }
    *norm = arena_concat(c->L->a, src ? src : "", src ? ":" : "", dst, mode ? ":" : "",
                         mode ? mode : "", NULL);
    return true;
}

/* One item of a list (or a scalar): check it, maybe rewrite it (*norm). */
static bool check_item(struct ck *c, enum ktype t, const char *v, const char **norm)
{
    const char *why = NULL;
    struct arena *a = c->L->a;
    int fam;
    *norm = v;
    switch (t) {
    case KT_STR:
        if (strchr(v, '\n'))
            why = "spans several lines, but must fit on one";
        break;
    case KT_TEXT:
    case KT_RECIPE:
    case KT_INSTANCES:
    case KT_PROJECT_NAME:
        break;
    case KT_BOOL: {
        bool b;
        why = parse_bool(v, &b);
        if (!why)
            *norm = b ? "true" : "false";
        break;
    }
    case KT_INT: {
        long long n;
        why = parse_int(v, 0, 2147483647, &n);
        break;
    }
    case KT_DURATION: {
        long long ms;
        why = parse_duration(v, &ms);
        break;
    }
    case KT_SIZE: {
        long long b;
        why = parse_size(v, &b);
        break;
    }
    case KT_CPUS: {
        long long n;
        why = parse_cpus(v, &n);
        break;
    }
    case KT_MEMORY: {
        long long b;
        why = parse_memory(v, &b);
        break;
    }
    case KT_ENUM:
        if (!enum_has(c->kv->def->choices, v)) {
            char *ch = arena_strdup(a, c->kv->def->choices);
            for (char *p = ch; *p; p++)
                if (*p == '|')
                    *p = '/';
            why = arena_printf(a, "is not accepted (use one of %s)", ch);
        }
        break;
    case KT_NAME: why = check_object_name(v); break;
    case KT_IMAGE:
        why = check_image_ref(v);
        if (!why && (c->pt->kind == PART_PULL || c->pt->kind == PART_PUSH) && !image_has_tag(v))
            *norm = arena_printf(a, "%s:latest", v); /* untagged pulls pull every tag */
        break;
    case KT_BUILD: return ref_part(c, v, IMAGE_MAKERS) >= 0;
    case KT_ENGINE: return ref_part(c, v, 1u << PART_ENGINE) >= 0;
    case KT_PARTS: return ref_part(c, v, 0) >= 0;
    case KT_CREF: {
        struct cref r;
        return check_cref(c, v, false, &r);
    }
    case KT_VOLFROM: {
        struct cref r;
        return check_cref(c, v, true, &r);
    }
    case KT_ARGV: {
        struct strv sv, *out = c->argv ? c->argv : &sv;
        why = split_argv(a, v, out);
        if (!why && out->n == 0)
            why = "is an empty command (give one, or leave the key out)";
        break;
    }
    case KT_USER:
        /* host: the caller, made to exist in a container berth creates for
         * them to run in; an image's USER or a script's user cannot be. */
        if (!streq(v, "host"))
            why = check_user(v);
        else if (!c->pt || !streq(c->kv->def->name, "user") ||
                 (c->pt->kind != PART_CONTAINER && c->pt->kind != PART_TASK))
            why = "is for the user of a container or task part (the calling user runs it); "
                  "here name a user of the image, or a UID[:GID]";
        break;
    case KT_RESTART: why = check_restart(v); break;
    case KT_HOSTNAME:
    case KT_ALIASES: why = check_hostname(v); break;
    case KT_TAGS: {
        /* The registry's tag grammar. */
        size_t n = strlen(v);
        bool ok = n >= 1 && n <= 128 && v[0] != '.' && v[0] != '-';
        for (size_t i = 0; ok && i < n; i++)
            ok = (v[i] >= 'a' && v[i] <= 'z') || (v[i] >= 'A' && v[i] <= 'Z') ||
                 (v[i] >= '0' && v[i] <= '9') || strchr("_.-", v[i]);
        if (!ok)
            why = "is not an image tag (letters, digits, '_', '.', '-'; at most 128; not starting "
                  "with '.' or '-')";
        break;
    }
    case KT_IP: why = check_ip(v, &fam); break;
    case KT_CIDR:
    case KT_CIDRS: why = check_cidr(v, &fam); break;
    case KT_URL: why = check_engine_url(v); break;
    case KT_CPATH:
    case KT_CPATHS:
        if (v[0] != '/')
            why = "is not an absolute path inside the container (start it with /)";
        break;
    case KT_DIR: return (*norm = existing(c, v, 'd')) != NULL;
    case KT_FILE:
    case KT_FILES: return (*norm = existing(c, v, 'f')) != NULL;
    case KT_PATH: *norm = host_path(c, v); break;
    case KT_SOURCE:
        if (is_url(v))
            break;
        return (*norm = existing(c, v, 'd')) != NULL;
    case KT_ARCHIVES: return check_archive(c, v, norm);
    case KT_HOSTFILES: return check_hostfile(c, v, norm);
    case KT_NETWORKS:
        if (streq(v, "host") || streq(v, "bridge") || streq(v, "none"))
            break;
        return ref_part(c, v, 1u << PART_NETWORK) >= 0;
    case KT_PORTS: {
        struct port pt;
        why = parse_port(a, v, &pt);
        break;
    }
    case KT_EXPOSE: why = check_expose(v); break;
    case KT_NETADDRS: {
        struct strv w;
        split_words(a, v, &w);
        if (w.n != 2 || check_ip(w.v[1], &fam)) {
            why = "is not NETWORK ADDRESS (like backend 10.42.0.5)";
            break;
        }
        return ref_part(c, w.v[0], 1u << PART_NETWORK) >= 0;
    }
    case KT_CAPS:
        why = *v && strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == strlen(v)
                  ? NULL
                  : "is not a capability (like NET_ADMIN, CAP_SYS_TIME or ALL)";
        break;
    case KT_EXTRAHOSTS: {
        const char *colon = strchr(v, ':');
        char *host = colon ? arena_strndup(a, v, (size_t)(colon - v)) : NULL;
        if (!host || check_hostname(host) || check_ip(colon + 1, &fam))
            why = "is not NAME:ADDRESS (like db.local:10.0.0.5)";
        break;
    }
    case KT_ENV: why = check_env_item(v); break;
    case KT_KV: why = check_kv_item(v); break;
    case KT_MOUNTS: return check_mount(c, v, norm);
    case KT_LINKS: {
        struct strv w;
        split_words(a, v, &w);
        struct cref r;
        if (w.n > 2) {
            why = "is not a link (use PART[:INSTANCE] [ALIAS])";
            break;
        }
        if (!check_cref(c, w.v[0], false, &r))
            return false;
        if (w.n == 2 && check_hostname(w.v[1]))
            why = "has an alias that is not a host name (use letters, digits and '-')";
        break;
    }
    case KT_COPYPATHS: {
        struct strv w;
        split_words(a, v, &w);
        if (w.n > 2 || w.v[0][0] != '/' || (w.n == 2 && w.v[1][0] != '/'))
            why = "is not a copy path (use /SOURCE or /SOURCE /DESTINATION, absolute paths "
                  "inside the containers; end a folder with /)";
        break;
    }
    }
    if (why)
        bad(c, v, why);
    return why == NULL;
}

/* Split an "# ..." comment line out of list values, then check each item. */
/* Every value reaches the engine as JSON, whose strings are UTF-8: a value
 * that is not would be dropped on the way (an env variable silently
 * missing). Say where, showing the line with its bad bytes escaped. */
static bool check_utf8(struct ck *c, const char *v)
{
    size_t ok = utf8_valid_prefix(v);
    if (!v[ok])
        return true;
    const char *line = v + ok;
    while (line > v && line[-1] != '\n')
        line--;
    strbuf sb = STRBUF_INIT;
    for (const unsigned char *u = (const unsigned char *)line; *u && *u != '\n'; u++) {
        if (*u >= 0x80 && (const char *)u >= v + ok)
            sb_addf(&sb, "\\x%02x", *u);
        else
            sb_addc(&sb, (char)*u);
    }
    load_problem(c->L, c->s, c->kv,
                 "'%s' is not valid UTF-8 (values reach the engine as JSON text: write it in "
                 "UTF-8)",
                 c->kv->secret ? "********" : sb.buf);
    sb_release(&sb);
    return false;
}

bool check_setting(struct loader *L, struct part *pt, int pi, struct rsec *s, struct rkv *kv,
                   struct setting *st)
{
    struct ck cc = {L, pt, pi, s, kv, NULL}, *c = &cc;
    if (!check_utf8(c, kv->val))
        return false;
    const struct keydef *d = c->kv->def;
    st->key = d->name;
    st->shape = ktype_shape(d->type);
    st->secret = c->kv->secret;
    st->loc = c->kv->loc;
    st->is_default = c->kv->layer == L_DEFAULT;
    const char *v = c->kv->val;
    if (st->shape != SHAPE_LIST) {
        if (!*v && d->type != KT_TEXT && d->type != KT_STR) {
            load_problem(c->L, c->s, c->kv, "is empty (give a value, or leave the key out)");
            return false;
        }
        /* a command's words, split once: by the check, for the setting */
        c->argv = st->shape == SHAPE_ARGV ? &st->items : NULL;
        if (!check_item(c, d->type, v, &st->value))
            return false;
        return true;
    }
    struct strv raw;
    if (ktype_words(d->type) && !strchr(v, '#')) {
        split_words(c->L->a, v, &raw); /* no comment line to leave out */
    } else if (ktype_words(d->type)) {
        /* whitespace-separated, but a line starting with # is a comment */
        struct strv lines;
        split_lines(c->L->a, v, &lines);
        strbuf sb = STRBUF_INIT;
        for (size_t i = 0; i < lines.n; i++)
            if (lines.v[i][0] != '#')
                sb_addf(&sb, "%s\n", lines.v[i]);
        split_words(c->L->a, sb.buf, &raw);
        sb_release(&sb);
    } else {
        split_lines(c->L->a, v, &raw);
    }
    size_t cap = 0;
    bool ok = true;
    for (size_t i = 0; i < raw.n; i++) {
        if (!ktype_words(d->type) && raw.v[i][0] == '#')
            continue;
        const char *norm;
        if (!check_item(c, d->type, raw.v[i], &norm)) {
            ok = false;
            continue;
        }
        strv_push(c->L->a, &st->items, &cap, norm);
    }
    if (!st->items.v)
        split_words(c->L->a, "", &st->items);
    /* The items, one a line: the item itself when there is one (most lists
     * of a project hold one: no copy). */
    if (st->items.n == 1) {
        st->value = st->items.v[0];
    } else {
        strbuf joined = STRBUF_INIT;
        for (size_t i = 0; i < st->items.n; i++) {
            if (i)
                sb_addc(&joined, '\n');
            sb_adds(&joined, st->items.v[i]);
        }
        st->value = arena_strndup(c->L->a, joined.buf, joined.len);
        sb_release(&joined);
    }
    return ok;
}

/* Checks that involve several keys of one part. */
