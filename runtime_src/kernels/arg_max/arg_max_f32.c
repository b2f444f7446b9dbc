/* arg_max.f32: index of the largest f32 along the axis, first on ties (shared/argminmax.h) */
#include "../shared/argminmax.h"

SELRT_ARGMINMAX(arg_max, f32, float, SELRT_F32, >);
