/* reverse_v2.f32: a strided view with negative strides along the reversed axes (shared/movers.h) */
#include "../shared/movers.h"

SELRT_VIEW(reverse_v2, f32, float, SELRT_F32);
