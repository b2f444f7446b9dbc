/* pack.i32: joins its inputs along an axis (shared/movers.h, shared/chunks.c) */
#include "../shared/movers.h"

SELRT_JOIN(pack, i32, SELRT_I32);
