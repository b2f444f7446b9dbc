/* select_v2.i32: y = condition ? x : y on i32 values, numpy broadcasting (shared/select.h) */
#include "../shared/select.h"

SELRT_SELECT(select_v2, i32, int32_t, SELRT_I32);
