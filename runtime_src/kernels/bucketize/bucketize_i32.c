/* bucketize.i32: y[i] = how many boundaries are <= x[i] (shared/bucketize.h) */
#include "../shared/bucketize.h"

SELRT_BUCKETIZE(bucketize, i32, int32_t, SELRT_I32);
