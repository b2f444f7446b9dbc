/* embedding_lookup.f32: rows of params picked by int32 ids, every id checked (shared/movers.h) */
#include "../shared/movers.h"

SELRT_LOOKUP(embedding_lookup, f32, float, SELRT_F32);
