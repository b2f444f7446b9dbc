/* strided_slice.bool: a strided view copy (shared/movers.h, shared/strided.c) */
#include "../shared/movers.h"

SELRT_VIEW(strided_slice, bool, uint8_t, SELRT_BOOL);
