/* concatenation.i16: joins its inputs along an axis (shared/movers.h, shared/chunks.c) */
#include "../shared/movers.h"

SELRT_JOIN(concatenation, i16, SELRT_I16);
