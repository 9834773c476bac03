/*
 * The byte map of fdany.h: static storage, so untouched pages of it cost
 * no memory.
 */
#include "fdany.h"

_Atomic uint8_t fdany_map[FDANY_MAP_SIZE];
