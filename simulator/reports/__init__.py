"""Reports: figures, the run and sweep reports (HTML and Markdown), and one path explained event by
event. Read results (from the runs layer's store or a result in memory); never run the model.
"""
