/* transpose.bool: a strided view copy (shared/movers.h, shared/strided.c) */
#include "../shared/movers.h"

SELRT_VIEW(transpose, bool, uint8_t, SELRT_BOOL);
