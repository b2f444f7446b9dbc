/* strided_slice.i64: a strided view copy (shared/movers.h, shared/strided.c) */
#include "../shared/movers.h"

SELRT_VIEW(strided_slice, i64, int64_t, SELRT_I64);
