/* mark.h - region markers that the QEMU instruction counter watches.
 *
 * kws_mark_begin/kws_mark_end are empty, never-inlined functions; the
 * icount plugin (qemu_icount/icount.c) counts the guest instructions
 * executed from the entry of kws_mark_begin to the entry of the matching
 * kws_mark_end. Regions nest. The plugin cannot read the id (QEMU 7.2
 * plugins see no registers), so it numbers regions in the order they
 * begin; kws_m4_region_begin() prints "@region SEQ NAME" before the
 * marker, so the host script can put names on the plugin's counts.
 *
 * Each count includes a fixed marker overhead (the body of kws_mark_begin
 * and the call sequence to kws_mark_end); an empty region measures it and
 * the scripts subtract it.
 */
#ifndef KWS_M4_MARK_H
#define KWS_M4_MARK_H

void kws_mark_begin(int id);
void kws_mark_end(int id);

/* Prints "@region SEQ NAME\n" and returns SEQ, the plugin's number for the
 * next kws_mark_begin; for regions whose markers are called elsewhere
 * (hand-written assembly). */
int kws_m4_region_name(const char *name);

/* kws_m4_region_name(name), then kws_mark_begin(SEQ); returns SEQ. */
int kws_m4_region_begin(const char *name);
void kws_m4_region_end(int seq);

#endif
