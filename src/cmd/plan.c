#include "cmd.h"

int cmd_plan(cli *g, int argc, char **argv, berr **err)
{
    (void)g; (void)argc; (void)argv;
    return berr_set(err, BERR_FAILURE, "plan: not implemented yet");
}
