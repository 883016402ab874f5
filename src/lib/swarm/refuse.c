#include "swarm/refuse.h"

#include "base/diag.h"
#include "base/util.h"

static const char *const swarm_only[] = {
    "replicas", "update-parallelism", "update-delay", "update-order",
    "failure-action", "secrets", "configs",
};

int swarm_refuse_outside_deploy(const struct project *p, const struct project_sel *sel,
                                const char *command, berr **err)
{
    struct diags dg = {0};
    for (size_t i = 0; i < p->nparts; i++) {
        const struct part *pt = &p->parts[i];
        if ((sel && !sel->part[i]) || pt->kind != PART_CONTAINER)
            continue;
        for (size_t k = 0; k < ARRAY_SIZE(swarm_only); k++) {
            const struct setting *s = part_setting(pt, swarm_only[k]);
            if (s && !s->is_default && (s->value || s->items.n))
                diag_add(&dg, s->loc.file, s->loc.line, pt->name, s->key,
                         "only `berth deploy` (swarm services) acts on it; `berth %s` runs "
                         "containers on one engine", command);
        }
    }
    int rc = diags_to_berr(&dg, BERR_PROJECT, err);
    diags_free(&dg);
    return rc;
}
