/* concatenation.i64: joins its inputs along an axis (shared/movers.h, shared/chunks.c) */
#include "../shared/movers.h"

SELRT_JOIN(concatenation, i64, SELRT_I64);
