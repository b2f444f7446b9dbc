/* reverse_v2.i64: a strided view with negative strides along the reversed axes (shared/movers.h) */
#include "../shared/movers.h"

SELRT_VIEW(reverse_v2, i64, int64_t, SELRT_I64);
