/* transpose.i32: a strided view copy (shared/movers.h, shared/strided.c) */
#include "../shared/movers.h"

SELRT_VIEW(transpose, i32, int32_t, SELRT_I32);
