/* expand_dims.i16: a pure copy into the output's shape (shared/movers.h) */
#include "../shared/movers.h"

SELRT_COPY(expand_dims, i16, SELRT_I16);
