/* cumsum.i64: running int64 sum along the axis, wrapping on overflow (shared/scan.h);
 * torch's cumsum of an integer tensor */
#include "../shared/scan.h"

SELRT_CUMSUM(cumsum, i64, int64_t, SELRT_I64, uint64_t);
