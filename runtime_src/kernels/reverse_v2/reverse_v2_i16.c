/* reverse_v2.i16: a strided view with negative strides along the reversed axes (shared/movers.h) */
#include "../shared/movers.h"

SELRT_VIEW(reverse_v2, i16, int16_t, SELRT_I16);
