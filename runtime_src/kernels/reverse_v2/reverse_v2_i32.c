/* reverse_v2.i32: a strided view with negative strides along the reversed axes (shared/movers.h) */
#include "../shared/movers.h"

SELRT_VIEW(reverse_v2, i32, int32_t, SELRT_I32);
