/* reshape.i32: a pure copy into the output's shape (shared/movers.h) */
#include "../shared/movers.h"

SELRT_COPY(reshape, i32, SELRT_I32);
