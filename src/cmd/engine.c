#include "cmd.h"

int cmd_engine(cli *g, int argc, char **argv, berr **err)
{
    (void)g; (void)argc; (void)argv;
    return berr_set(err, BERR_FAILURE, "engine: not implemented yet");
}
