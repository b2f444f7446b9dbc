/* broadcast_args.i32: the broadcast of two run-time shapes (shared/bcastargs.h) */
#include "../shared/bcastargs.h"

SELRT_BCASTARGS(broadcast_args, i32, int32_t, SELRT_I32);
