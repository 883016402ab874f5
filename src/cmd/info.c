#include "cmd.h"

int cmd_info(cli *g, int argc, char **argv, berr **err)
{
    (void)g; (void)argc; (void)argv;
    return berr_set(err, BERR_FAILURE, "info: not implemented yet");
}
