"""Reading steps the doc-type extractors share, one job per module.

context      the document's OCR lines in reading order, and the value beside or below a label
label_text   where a printed label sits in a line of OCR text
labels       the label table and value shapes per doc type (data/doc_fields.yaml), `labeled`
text         OCR text cleaned for reading values (CJK spacing, brackets, names)
prose        lines joined so sentences that wrap across lines can be matched
rows         visual rows of a table
employer     the employer's name as printed (legal-form suffixes as data)
sex          sex words → M/F
idnumber     resident ID numbers in OCR text, and their facts as fields
mrz          machine-readable zones (ICAO 9303)
mrz_fields   an MRZ as fields, the printed zone's gaps filled from it; a visa's three check digits
visual_zone  the printed zone of a document with an MRZ (passport, visa, foreign ID card)
mrz_document printed zone and MRZ read, merged and compared (the flow of those three extractors)
permit       the Hong Kong/Macao and Taiwan residents' permits (one card, two numbers)
validity     a card's validity period (valid_from, valid_until, 长期)
education_words, cert_numbers, education   diplomas and degree certificates

Dates are pipeline.core.dates, digit look-alikes pipeline.core.digits (the forensics stage
reads them too).
"""
