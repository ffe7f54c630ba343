package server

// badgeRoutes are the judges' badges (a PDF with each judge's one-time
// sign-in QR code) and the sign-in by scanning one.
func (s *Server) badgeRoutes() []route {
	return nil
}
