/* strided_slice.i16: a strided view copy (shared/movers.h, shared/strided.c) */
#include "../shared/movers.h"

SELRT_VIEW(strided_slice, i16, int16_t, SELRT_I16);
