/* expand_dims.i64: a pure copy into the output's shape (shared/movers.h) */
#include "../shared/movers.h"

SELRT_COPY(expand_dims, i64, SELRT_I64);
