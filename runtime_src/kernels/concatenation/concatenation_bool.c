/* concatenation.bool: joins its inputs along an axis (shared/movers.h, shared/chunks.c) */
#include "../shared/movers.h"

SELRT_JOIN(concatenation, bool, SELRT_BOOL);
