# Driver for tests/core/test_r_parity.py: runs every generated reproduce script given on the command
# line in ONE R process (each in its own environment) and writes what each script printed and the
# numbers it kept (`studies`, `shown`) at full precision.
#   Rscript _r_parity.R <out.txt> <script.R> [<script.R> ...]
args <- commandArgs(trailingOnly = TRUE)
out <- file(args[1], "w")
suppressPackageStartupMessages(library(metafor))
writeLines(paste("VERSION", paste(R.version$major, R.version$minor, sep = "."), as.character(packageVersion("metafor"))),
           out)
num <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
for (f in args[-1]) {
  e <- new.env()
  notes <- character()
  status <- "ok"
  printed <- capture.output(withCallingHandlers(
    tryCatch(sys.source(f, envir = e), error = function(err) status <<- paste("ERROR", conditionMessage(err))),
    warning = function(w) { notes <<- c(notes, paste("WARNING", conditionMessage(w))); invokeRestart("muffleWarning") },
    message = function(m) { notes <<- c(notes, paste("MESSAGE", trimws(conditionMessage(m)))); invokeRestart("muffleMessage") }))
  writeLines(printed, paste0(f, ".out"))
  writeLines(paste("VIEW", basename(f), gsub("\n", " ", status)), out)
  for (n in notes) writeLines(gsub("\n", " ", n), out)
  if (exists("studies", envir = e, inherits = FALSE)) {
    s <- e$studies
    for (i in seq_len(nrow(s))) writeLines(paste("STUDY", num(s$yi[i]), num(s$vi[i]), num(s$ci.lb[i]), num(s$ci.ub[i]),
                                                 num(s$weight[i])), out)
  }
  if (exists("shown", envir = e, inherits = FALSE)) {
    for (n in names(e$shown)) {
      v <- e$shown[[n]]
      writeLines(paste("ROW", gsub(" ", "_", n), paste(names(v), num(v), sep = "=", collapse = " ")), out)
    }
  }
}
close(out)
