package auth

import (
	"context"
	"sync"

	"github.com/gesta-er/gesta/internal/domain"
)

// Credentials is what the service needs from the store.
type Credentials interface {
	Credentials(ctx context.Context, email string) (domain.Actor, string, error)
	ActorByUserID(ctx context.Context, id string) (domain.Actor, error)
	CreateUser(ctx context.Context, u *domain.User, passwordHash string) error
	CountUsers(ctx context.Context) (int, error)
}

// Service implements domain.UserService on top of the store.
type Service struct {
	Store  Credentials
	Params Params

	dummyOnce sync.Once
	dummy     string
}

var _ domain.UserService = (*Service)(nil)

var errSignIn = domain.Errorf(domain.EUNAUTHORIZED, "E-mail o password non corretti.")

// Authenticate implements domain.UserService. An unknown address costs the
// same hashing time as a wrong password, so timing does not tell them apart.
func (s *Service) Authenticate(ctx context.Context, email, password string) (domain.Actor, error) {
	if len(password) > 4*MaxPasswordLen {
		return domain.Actor{}, errSignIn
	}
	a, hash, err := s.Store.Credentials(ctx, email)
	if domain.ErrorCode(err) == domain.ENOTFOUND {
		s.dummyOnce.Do(func() { s.dummy, _ = HashPassword("not-a-password", s.Params) })
		_, _ = VerifyPassword(password, s.dummy)
		return domain.Actor{}, errSignIn
	}
	if err != nil {
		return domain.Actor{}, err
	}
	ok, err := VerifyPassword(password, hash)
	if err != nil {
		return domain.Actor{}, err
	}
	if !ok {
		return domain.Actor{}, errSignIn
	}
	return a, nil
}

// ActorByUserID implements domain.UserService.
func (s *Service) ActorByUserID(ctx context.Context, id string) (domain.Actor, error) {
	return s.Store.ActorByUserID(ctx, id)
}

// CreateUser implements domain.UserService.
func (s *Service) CreateUser(ctx context.Context, u *domain.User, password string) error {
	u.Email = domain.NormalizeEmail(u.Email)
	if err := u.Validate(); err != nil {
		return err
	}
	if err := CheckPassword(password); err != nil {
		return err
	}
	hash, err := HashPassword(password, s.Params)
	if err != nil {
		return err
	}
	return s.Store.CreateUser(ctx, u, hash)
}

// CountUsers implements domain.UserService.
func (s *Service) CountUsers(ctx context.Context) (int, error) { return s.Store.CountUsers(ctx) }
