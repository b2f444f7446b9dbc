/* bucketize.f32: y[i] = how many boundaries are <= x[i] (shared/bucketize.h) */
#include "../shared/bucketize.h"

SELRT_BUCKETIZE(bucketize, f32, float, SELRT_F32);
