/* broadcast_args.i64: the broadcast of two run-time shapes (shared/bcastargs.h) */
#include "../shared/bcastargs.h"

SELRT_BCASTARGS(broadcast_args, i64, int64_t, SELRT_I64);
