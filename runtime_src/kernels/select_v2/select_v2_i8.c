/* select_v2.i8: y = condition ? x : y on i8 values, numpy broadcasting (shared/select.h) */
#include "../shared/select.h"

SELRT_SELECT(select_v2, i8, int8_t, SELRT_I8);
