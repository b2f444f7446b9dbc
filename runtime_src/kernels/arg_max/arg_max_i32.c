/* arg_max.i32: index of the largest i32 along the axis, first on ties (shared/argminmax.h) */
#include "../shared/argminmax.h"

SELRT_ARGMINMAX(arg_max, i32, int32_t, SELRT_I32, >);
