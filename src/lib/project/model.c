/* The typed model's accessors (project.h): for the commands, and for the
 * loader's stages while they build it. */
#include <stdint.h>
#include <string.h>

#include "project/project.h"
#include "project/schema.h"
#include "base/util.h"

int project_find(const struct project *p, const char *name)
{
    if (p->nparts && p->part_index.n == p->nparts) {
        uintptr_t v = (uintptr_t)strmap_get(&p->part_index, name);
        return v ? (int)v - 1 : -1;
    }
    for (size_t i = 0; i < p->nparts; i++)
        if (streq(p->parts[i].name, name))
            return (int)i;
    return -1;
}

const struct setting *part_setting(const struct part *pt, const char *key)
{
    if (pt->setting_at) {
        /* A loaded part's settings are keys of its table and x-* keys. */
        int k = schema_index((int)pt->kind, key);
        if (k >= 0)
            return pt->setting_at[k] ? &pt->settings[pt->setting_at[k] - 1] : NULL;
        if (!schema_free_key(key))
            return NULL;
    }
    for (size_t i = 0; i < pt->nsettings; i++)
        if (pt->settings[i].key[0] == key[0] && streq(pt->settings[i].key, key))
            return &pt->settings[i];
    return NULL;
}

const char *part_value(const struct part *pt, const char *key)
{
    const struct setting *s = part_setting(pt, key);
    return s ? s->value : NULL;
}

const char *project_value(const struct project *p, const char *key)
{
    for (size_t i = 0; i < p->nsettings; i++)
        if (streq(p->settings[i].key, key))
            return p->settings[i].value;
    return NULL;
}

int container_instance(const struct container *c, const char *name)
{
    for (size_t i = 0; i < c->ninstances; i++)
        if (streq(c->instances[i].name, name))
            return (int)i;
    return -1;
}
