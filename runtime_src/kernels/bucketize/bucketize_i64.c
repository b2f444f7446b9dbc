/* bucketize.i64: y[i] = how many boundaries are <= x[i] (shared/bucketize.h) */
#include "../shared/bucketize.h"

SELRT_BUCKETIZE(bucketize, i64, int64_t, SELRT_I64);
