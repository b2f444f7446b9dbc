/* slice.bool: a strided view copy (shared/movers.h, shared/strided.c) */
#include "../shared/movers.h"

SELRT_VIEW(slice, bool, uint8_t, SELRT_BOOL);
