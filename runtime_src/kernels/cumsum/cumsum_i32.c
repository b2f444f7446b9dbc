/* cumsum.i32: running int32 sum along the axis, wrapping on overflow (shared/scan.h) */
#include "../shared/scan.h"

SELRT_CUMSUM(cumsum, i32, int32_t, SELRT_I32, uint32_t);
