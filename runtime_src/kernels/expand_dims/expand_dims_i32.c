/* expand_dims.i32: a pure copy into the output's shape (shared/movers.h) */
#include "../shared/movers.h"

SELRT_COPY(expand_dims, i32, SELRT_I32);
