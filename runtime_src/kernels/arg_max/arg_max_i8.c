/* arg_max.i8: index of the largest i8 along the axis, first on ties (shared/argminmax.h) */
#include "../shared/argminmax.h"

SELRT_ARGMINMAX(arg_max, i8, int8_t, SELRT_I8, >);
