/* arg_min.f32: index of the smallest f32 along the axis, first on ties (shared/argminmax.h) */
#include "../shared/argminmax.h"

SELRT_ARGMINMAX(arg_min, f32, float, SELRT_F32, <);
