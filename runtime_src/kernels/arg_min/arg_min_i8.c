/* arg_min.i8: index of the smallest i8 along the axis, first on ties (shared/argminmax.h) */
#include "../shared/argminmax.h"

SELRT_ARGMINMAX(arg_min, i8, int8_t, SELRT_I8, <);
